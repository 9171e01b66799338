// Prints a signed user JWT that the local gateway accepts:
//   npm run token -- --tenant acme --user alice --role manager [--role admin] [--name 'Alice Smith'] [--email alice@acme.example] [--expires 12h]
// Every token expires; the gateway refuses one living longer than JWT_MAX_TOKEN_LIFETIME (24h by default).
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_TOKEN_LIFETIME_SECONDS, identitySchema, LOCAL_JWT_SECRET, parseDurationSeconds, signUserToken } from '../src';

const { values } = parseArgs({
  options: {
    tenant: { type: 'string' },
    user: { type: 'string' },
    role: { type: 'string', multiple: true },
    name: { type: 'string' },
    email: { type: 'string' },
    expires: { type: 'string', default: '12h' },
  },
});

const identity = identitySchema.safeParse({ tenantId: values.tenant, userId: values.user, roles: values.role ?? ['manager'], name: values.name, email: values.email });
if (!identity.success) {
  console.error('usage: npm run token -- --tenant <id> --user <id> --role <admin|head_of_sales|manager> [--expires 12h]');
  console.error(identity.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n'));
  process.exit(2);
}
const lifetime = parseDurationSeconds(values.expires);
const maxLifetime = parseDurationSeconds(process.env.JWT_MAX_TOKEN_LIFETIME ?? '') ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
if (!lifetime || lifetime > maxLifetime) {
  console.error(`--expires must be a duration (90s, 15m, 12h...) of at most ${maxLifetime} s: the gateway refuses longer-lived tokens`);
  process.exit(2);
}
signUserToken(identity.data, process.env.JWT_SECRET ?? LOCAL_JWT_SECRET, `${lifetime}s`).then((token) => console.log(token));
