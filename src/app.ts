import cookie from '@fastify/cookie';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type pg from 'pg';
import { createAccountLimiters } from './accounts/attempt-limiter.js';
import { authRoutes } from './accounts/auth.routes.js';
import type { Authenticate } from './accounts/authenticate.js';
import { credentialsRoutes } from './accounts/credentials.routes.js';
import { passwordResetRoutes } from './accounts/password-reset.routes.js';
import { twoFactorRoutes } from './accounts/two-factor.routes.js';
import { llmSettingsRoutes } from './agent/llm/llm-settings.routes.js';
import { qualifierSettingsRoutes } from './agent/qualifier-settings.routes.js';
import { apiKeysRoutes } from './api-keys/api-keys.routes.js';
import { auditRoutes } from './audit/audit.routes.js';
import { automationsRoutes } from './automations/automations.routes.js';
import { killSwitchRoutes } from './automations/kill-switch.routes.js';
import { businessHoursRoutes } from './business-hours/business-hours.routes.js';
import { campaignsRoutes } from './campaigns/campaigns.routes.js';
import { installCampaigns } from './campaigns/recipient-outcomes.js';
import { campaignReportRoutes } from './campaigns/report/report.routes.js';
import { cannedResponsesRoutes } from './canned-responses/canned-responses.routes.js';
import { CHANNEL_PLUGINS } from './channels/channels.js';
import { createTwilioRuntime, type TwilioRuntime } from './channels/twilio/twilio-runtime.js';
import { whatsappDocumentOffers } from './channels/whatsapp/document-offer.js';
import type { InboxWhatsapp } from './channels/whatsapp/inbox-whatsapp.service.js';
import { createWhatsappOutbound } from './channels/whatsapp/outbound-runtime.js';
import { contactsRoutes } from './contacts/contacts.routes.js';
import { customFieldsRoutes } from './contacts/custom-fields/custom-fields.routes.js';
import { enrichmentRoutes } from './contacts/enrichment/enrichment.routes.js';
import { contactImportsRoutes } from './contacts/import/imports.routes.js';
import { pipelineRoutes } from './contacts/pipeline/pipeline.routes.js';
import { conversationAttachmentsRoutes } from './conversations/attachments/attachments.routes.js';
import { conversationsRoutes } from './conversations/conversations.routes.js';
import { inboxRoutes } from './conversations/inbox.routes.js';
import { encryptionRoutes } from './encryption/encryption.routes.js';
import { emailEventHooks } from './integrations/email-events/hooks.js';
import { emailEventSettingsRoutes } from './integrations/email-events/settings.routes.js';
import { emailEventWebhookRoutes } from './integrations/email-events/webhooks.routes.js';
import { hubspotRoutes } from './integrations/hubspot/hubspot.routes.js';
import { createHubspotRuntime, type HubspotRuntime } from './integrations/hubspot/hubspot-runtime.js';
import { hubspotWebhookRoutes } from './integrations/hubspot/webhook.routes.js';
import { createLemlistRuntime, type LemlistRuntime } from './integrations/lemlist/lemlist-runtime.js';
import { mcpRoutes } from './integrations/mcp/mcp.routes.js';
import { labelsRoutes } from './labels/labels.routes.js';
import { leadSourcesRoutes } from './lead-sources/lead-sources.routes.js';
import { leadWebhookRoutes } from './lead-sources/lead-webhook.routes.js';
import { notificationsRoutes } from './notifications/notifications.routes.js';
import { planRoutes } from './plans/plans.routes.js';
import type { Config } from './platform/config/config.js';
import { configureDataKeysFrom } from './platform/crypto/data-keys.js';
import type { Db } from './platform/db/database.js';
import { clientErrorHandler } from './platform/http/client-errors.js';
import { registerCors } from './platform/http/cors.js';
import { cspReportRoutes } from './platform/http/csp-reports.routes.js';
import {
  type Dashboard,
  dashboardFallback,
  dashboardRoutes,
  loadDashboard,
} from './platform/http/dashboard.routes.js';
import { createDependencyProbe } from './platform/http/dependency-probe.js';
import {
  frameworkErrorHandler,
  registerErrorHandlers,
  requireHostHeader,
} from './platform/http/error-handler.js';
import { healthRoutes, type ReadinessCheck } from './platform/http/health.routes.js';
import { parseJsonBody } from './platform/http/json-body.js';
import { httpMetricsPlugin } from './platform/http/metrics.routes.js';
import { openapiPlugin } from './platform/http/openapi.js';
import { rateLimitPlugin } from './platform/http/rate-limit.js';
import { REQUEST_ID_HEADER, requestIdFor, requestLogger } from './platform/http/request-id.js';
import { registerRequestTracing } from './platform/http/request-tracing.js';
import { routeAccessPlugin } from './platform/http/route-access.js';
import { registerSecurityHeaders } from './platform/http/security-headers.js';
import { trustedOrigins as trustedOriginsOf } from './platform/http/trusted-origins.js';
import { deadLettersRoutes } from './platform/jobs/dead-letters/dead-letters.routes.js';
import type { Logger } from './platform/logging/logger.js';
import type { Metrics } from './platform/metrics/metrics.js';
import type { LimiterStore } from './platform/rate-limit/limiter-store.js';
import { VERSION } from './platform/version.js';
import { privacyRoutes } from './privacy/privacy.routes.js';
import { configureSuppressionFrom } from './privacy/suppression.js';
import { acceptanceRoutes } from './quotes/acceptance/acceptance.routes.js';
import { catalogRoutes } from './quotes/catalog/catalog.routes.js';
import { quoteSettingsRoutes } from './quotes/quote-settings.routes.js';
import { quotesRoutes } from './quotes/quotes.routes.js';
import { liveRoutes, websocketOptions } from './realtime/live.routes.js';
import { reportsRoutes } from './reports/reports.routes.js';
import { segmentsRoutes } from './segments/segments.routes.js';
import { invitationsRoutes } from './tenants/invitations.routes.js';
import { membersRoutes } from './tenants/members.routes.js';
import { signupRoutes } from './tenants/signup.routes.js';
import { Altcha } from './widgets/altcha.js';
import { CallbackLimits } from './widgets/callback-requests.service.js';
import { callbacksRoutes } from './widgets/callbacks.routes.js';
import { publicWidgetRoutes } from './widgets/public-widget.routes.js';
import { widgetPreviewRoutes } from './widgets/widget-preview.routes.js';
import { widgetScriptRoutes } from './widgets/widget-script.routes.js';
import { callbackWidgetsRoutes } from './widgets/widgets.routes.js';

export interface AppDependencies {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  readiness: ReadinessCheck;
  /** The application role's database handle, for domain routes. */
  db: Db;
  /** Resolves a session cookie or API key to a principal (accounts/authenticate.ts). */
  authenticate: Authenticate;
  /** Shared rate-limit counters (PostgreSQL, or Redis when REDIS_URL is set). */
  limiterStore: LimiterStore;
  /** Media reads and template listing; by default built from the configuration (closed with the app). */
  whatsapp?: InboxWhatsapp;
  /** A new, unconnected client for the process's one LISTEN connection (live inbox events). */
  connectListener: () => pg.Client;
  /** Twilio's REST client and call bridge; by default built from the configuration (closed with the app). */
  twilio?: TwilioRuntime;
  /** HubSpot's API client; by default built from the configuration (closed with the app). */
  hubspot?: HubspotRuntime;
  /** Lemlist's API client; by default built from the configuration (closed with the app). */
  lemlist?: LemlistRuntime;
  /** The built single-page app (dist/web by default). */
  dashboard?: Dashboard;
}

/**
 * The whole HTTP application. The server entry point only listens and shuts down; tests call
 * `inject()` on this. Order: platform guards -> external plugins -> platform routes -> domain routes.
 */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config } = deps;
  configureDataKeysFrom(config);
  configureSuppressionFrom(config);
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps Fastify's default generic parameters.
    loggerInstance: deps.logger as FastifyBaseLogger,
    genReqId: requestIdFor,
    childLoggerFactory: requestLogger,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: config.http.bodyLimitBytes,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: config.http.requestTimeoutMs,
    // Host is checked in a hook (requireHostHeader), so that refusal has the JSON envelope too.
    http: { maxHeaderSize: config.http.maxHeaderBytes, requireHostHeader: false },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler(config.env !== 'production'),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // request.ip honours X-Forwarded-For only from these proxies (ASVS 4.1.3); none: the socket peer.
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // JSON is the only body we accept; anything else is 415 before it is read.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as Buffer, config.http.jsonMaxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header(REQUEST_ID_HEADER, request.id);
  });
  // Before any route: it wraps route handlers as they are added (a no-op unless tracing is configured).
  registerRequestTracing(app);

  const dashboard = deps.dashboard ?? loadDashboard();
  registerErrorHandlers(app, {
    exposeInternal: config.env !== 'production',
    notFoundFallback: dashboardFallback(dashboard),
  });
  // Before the access check: its onRequest hook rejects with 401, and later onRequest hooks never run.
  await registerSecurityHeaders(app, {
    https: config.http.publicUrl.startsWith('https://'),
    publicUrl: config.http.publicUrl,
  });
  requireHostHeader(app);
  await app.register(cookie);
  // Before the access check: the plugin's hooks close an upgrade's socket after any HTTP answer, and an
  // onRequest rejection (401) would skip a hook registered after it, leaving the socket open.
  await app.register(websocket, websocketOptions);
  // Both before the access check: preflights are answered and brute force is counted before it rejects.
  await registerCors(app, { origins: config.corsOrigins });
  await app.register(rateLimitPlugin, {
    store: deps.limiterStore,
    limits: config.rateLimits,
    metrics: deps.metrics,
  });
  const trustedOrigins = trustedOriginsOf(config);
  await app.register(routeAccessPlugin, {
    metricsToken: config.metrics.token,
    operatorToken: config.operatorApiToken,
    secretKey: config.secretKey,
    trustedOrigins,
    authenticate: deps.authenticate,
    onCsrfFailure: () => deps.metrics.csrfFailures.inc(),
  });
  await app.register(openapiPlugin, { version: VERSION, publicUrl: config.http.publicUrl });
  await app.register(httpMetricsPlugin, {
    metrics: deps.metrics,
    exposeWithToken: Boolean(config.metrics.token),
  });

  await app.register(healthRoutes, {
    readiness: deps.readiness,
    dependencies: createDependencyProbe(deps.config, deps.metrics),
  });
  await app.register(dashboardRoutes, { dashboard, sourceMaps: config.dashboard.sourceMaps });
  await app.register(cspReportRoutes);
  await app.register(authRoutes, {
    db: deps.db,
    config,
    limiterStore: deps.limiterStore,
    metrics: deps.metrics,
  });
  const accountLimiters = createAccountLimiters(deps.limiterStore);
  await app.register(twoFactorRoutes, { db: deps.db, config, limiters: accountLimiters });
  await app.register(passwordResetRoutes, { db: deps.db, config, limiters: accountLimiters });
  await app.register(credentialsRoutes, { db: deps.db, config, limiters: accountLimiters });
  await app.register(apiKeysRoutes, { db: deps.db, config });
  await app.register(auditRoutes, { db: deps.db });
  await app.register(membersRoutes, { db: deps.db });
  await app.register(invitationsRoutes, { db: deps.db, config });
  await app.register(signupRoutes, { db: deps.db, config, limiters: accountLimiters });
  await app.register(qualifierSettingsRoutes, { db: deps.db });
  await app.register(llmSettingsRoutes, { db: deps.db, config });
  await app.register(conversationsRoutes, { db: deps.db });
  await app.register(inboxRoutes, { db: deps.db });
  await app.register(labelsRoutes, { db: deps.db });
  await app.register(killSwitchRoutes, { db: deps.db });
  await app.register(automationsRoutes, { db: deps.db });
  await app.register(notificationsRoutes, { db: deps.db });
  installCampaigns();
  await app.register(campaignsRoutes, { db: deps.db });
  await app.register(cannedResponsesRoutes, { db: deps.db });
  await app.register(deadLettersRoutes, { db: deps.db });
  await app.register(contactsRoutes, { db: deps.db });
  await app.register(pipelineRoutes, { db: deps.db });
  await app.register(customFieldsRoutes, { db: deps.db });
  await app.register(segmentsRoutes, { db: deps.db });
  const whatsapp = deps.whatsapp ?? ownWhatsapp(app, deps);
  await app.register(privacyRoutes, { db: deps.db, blobs: whatsapp.blobs });
  await app.register(conversationAttachmentsRoutes, {
    db: deps.db,
    blobs: whatsapp.blobs,
    mediaMaxBytes: config.media.maxBytes,
  });
  await app.register(reportsRoutes, { db: deps.db });
  await app.register(encryptionRoutes, { db: deps.db, config, blobs: whatsapp.blobs });
  await app.register(mcpRoutes, { db: deps.db });
  await app.register(planRoutes, { db: deps.db, operatorApi: Boolean(config.operatorApiToken) });
  await app.register(liveRoutes, {
    connectListener: deps.connectListener,
    authenticate: deps.authenticate,
    trustedOrigins,
    live: config.live,
    metrics: deps.metrics,
    logger: deps.logger,
    db: deps.db,
  });
  await app.register(catalogRoutes, { db: deps.db });
  await app.register(quoteSettingsRoutes, { db: deps.db });
  await app.register(quotesRoutes, { db: deps.db, config, offers: whatsappDocumentOffers });
  await app.register(acceptanceRoutes, { db: deps.db, config });
  const twilio = deps.twilio ?? ownTwilio(app, deps);
  // Each channel's own routes: webhooks, connection settings, channel-specific inbox endpoints.
  for (const channel of CHANNEL_PLUGINS) {
    await channel.registerRoutes(app, {
      config,
      db: deps.db,
      logger: deps.logger,
      metrics: deps.metrics,
      whatsapp,
      twilio,
    });
  }
  await app.register(callbackWidgetsRoutes, { db: deps.db, config });
  await app.register(widgetPreviewRoutes, { db: deps.db });
  await app.register(businessHoursRoutes, { db: deps.db });
  await app.register(callbacksRoutes, { db: deps.db });
  await app.register(contactImportsRoutes, { db: deps.db, blobs: whatsapp.blobs });
  await app.register(campaignReportRoutes, { db: deps.db });
  await app.register(leadSourcesRoutes, { db: deps.db, config });
  await app.register(leadWebhookRoutes, { db: deps.db, config, metrics: deps.metrics });
  await app.register(enrichmentRoutes, { db: deps.db, config });
  const hubspot = deps.hubspot ?? ownHubspot(app, deps);
  await app.register(hubspotRoutes, { db: deps.db, config, client: hubspot.client });
  await app.register(hubspotWebhookRoutes, { db: deps.db, config });
  const lemlist = deps.lemlist ?? ownLemlist(app, deps);
  await app.register(emailEventSettingsRoutes, { db: deps.db, config, lemlist: lemlist.client });
  await app.register(emailEventWebhookRoutes, {
    db: deps.db,
    config,
    metrics: deps.metrics,
    hooks: emailEventHooks,
  });
  await app.register(widgetScriptRoutes, {});
  await app.register(publicWidgetRoutes, {
    db: deps.db,
    altcha: new Altcha(deps.db, {
      secretKey: config.secretKey,
      maxCounter: config.callbacks.altchaMaxCounter,
      expiresSeconds: config.callbacks.altchaExpiresSeconds,
    }),
    limits: new CallbackLimits(deps.limiterStore, config.callbacks.perIpPerHour),
    metrics: deps.metrics,
  });

  return app;
}

function ownHubspot(app: FastifyInstance, deps: AppDependencies): HubspotRuntime {
  const hubspot = createHubspotRuntime({ config: deps.config });
  app.addHook('onClose', () => hubspot.close());
  return hubspot;
}

function ownLemlist(app: FastifyInstance, deps: AppDependencies): LemlistRuntime {
  const lemlist = createLemlistRuntime({ config: deps.config });
  app.addHook('onClose', () => lemlist.close());
  return lemlist;
}

function ownTwilio(app: FastifyInstance, deps: AppDependencies): TwilioRuntime {
  const twilio = createTwilioRuntime({ config: deps.config, db: deps.db });
  app.addHook('onClose', () => twilio.close());
  return twilio;
}

function ownWhatsapp(app: FastifyInstance, deps: AppDependencies): InboxWhatsapp {
  const outbound = createWhatsappOutbound({
    config: deps.config,
    db: deps.db,
    limiterStore: deps.limiterStore,
    logger: deps.logger,
    metrics: deps.metrics,
  });
  app.addHook('onClose', () => outbound.close());
  return outbound;
}
