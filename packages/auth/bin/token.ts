// Prints a signed user JWT that the local gateway accepts:
//   npm run token -- --tenant acme --user alice --role manager [--role admin] [--expires 12h]
import { parseArgs } from 'node:util';
import { identitySchema, LOCAL_JWT_SECRET, signUserToken } from '../src';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    user: { type: 'string' },
    role: { type: 'string', multiple: true },
    expires: { type: 'string', default: '12h' },
  },
});

const identity = identitySchema.safeParse({ tenantId: values.tenant, userId: values.user, roles: values.role ?? ['manager'] });
if (!identity.success) {
  console.error('usage: npm run token -- --tenant <id> --user <id> --role <admin|head_of_sales|manager>');
  console.error(identity.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n'));
  process.exit(2);
}
signUserToken(identity.data, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, values.expires).then((token) => console.log(token));
