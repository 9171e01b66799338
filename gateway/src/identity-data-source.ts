import { RemoteGraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { IDENTITY_HEADER, signInternalIdentity } from '@crm/auth';
import type { GatewayContext } from './context';

/** Forwards the verified caller to a subgraph as a signed header, with the request's correlation id. */
export class IdentityDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  constructor(
    url: string,
    private readonly internalSecret: string,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    if (!('identity' in context) || !context.identity) return; // health checks carry no caller
    request.http?.headers.set(IDENTITY_HEADER, await signInternalIdentity(context.identity, this.internalSecret));
    request.http?.headers.set('x-correlation-id', context.correlationId);
  }
}
