import type { Connection } from '@crm/service-kit';
import type { ContactDoc } from '../contact/contact.model';

export type ContactConnectionView = Connection<ContactDoc>;
