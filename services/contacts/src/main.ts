import { runService } from '@crm/service-kit';
import { startContacts } from './service';

runService('contacts', () => startContacts());
