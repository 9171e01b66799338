import { runService } from '@crm/service-kit';
import { startAnalytics } from './service';

runService('analytics', () => startAnalytics());
