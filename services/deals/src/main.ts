import { runService } from '@crm/service-kit';
import { startDeals } from './service';

runService('deals', () => startDeals());
