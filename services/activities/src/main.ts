import { runService } from '@crm/service-kit';
import { startActivities } from './service';

runService('activities', () => startActivities());
