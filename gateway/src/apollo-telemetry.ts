// Imported first by main.ts: it must run before @apollo/gateway is required.
import { registerHooks } from 'node:module';

/**
 * @apollo/gateway sends usage metrics to Apollo every hour, with cloud metadata probes, unless
 * APOLLO_TELEMETRY_DISABLED is "true" or "1". A self-hosted CRM does not phone home: it is off
 * unless the operator sets APOLLO_TELEMETRY_DISABLED=false.
 */
process.env.APOLLO_TELEMETRY_DISABLED ??= 'true';
const apolloTelemetryOff = ['true', '1'].includes(process.env.APOLLO_TELEMETRY_DISABLED);

/**
 * What only that reporting uses (a metrics SDK and exporter, four cloud detectors, the incubating
 * semantic conventions): required eagerly by the gateway's telemetry module, 15 MB of idle RSS.
 * While reporting is off, those requires get an empty module. Its tracer (@opentelemetry/api)
 * stays as it is.
 */
const REPORTING_ONLY = /^(?:@opentelemetry\/(?:semantic-conventions\/incubating|sdk-metrics|resources|exporter-metrics-otlp-http|resource-detector-[a-z-]+)|node-cpu-count)$/;
const TELEMETRY_MODULE = '/@apollo/gateway/dist/utilities/opentelemetry.js';
const EMPTY = 'crm:apollo-reporting-off';

if (apolloTelemetryOff) {
  registerHooks({
    resolve: (specifier, context, next) =>
      REPORTING_ONLY.test(specifier) && context.parentURL?.endsWith(TELEMETRY_MODULE) ? { url: EMPTY, format: 'commonjs', shortCircuit: true } : next(specifier, context),
    load: (url, context, next) => (url === EMPTY ? { format: 'commonjs', source: 'module.exports = {};', shortCircuit: true } : next(url, context)),
  });
}
