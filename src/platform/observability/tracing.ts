import {
  type Context,
  context,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { Logger } from '../logging/logger.js';
import { sanitisePath, sanitiseSpan } from './span-privacy.js';

/**
 * Optional OpenTelemetry tracing (ADR 0037). Only `@opentelemetry/api` is imported statically (a few
 * functions, no SDK); the SDK, the OTLP exporter and the undici instrumentation are loaded by
 * `startTracing` when OTEL_EXPORTER_OTLP_ENDPOINT is set. Until then `tracer` is undefined and every helper
 * here returns at its first line.
 */
let tracer: Tracer | undefined;

export interface Tracing {
  /** Exports what is buffered (tests, shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const NO_TRACING: Tracing = { flush: async () => {}, shutdown: async () => {} };

export const WORKSPACE_ATTRIBUTE = 'leadline.workspace_id';

export async function startTracing(
  options: { otlpEndpoint: string | undefined; serviceName: string },
  logger: Logger,
): Promise<Tracing> {
  if (!options.otlpEndpoint || tracer) return NO_TRACING;
  const [{ NodeTracerProvider }, { BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }] =
    await Promise.all([
      import('@opentelemetry/sdk-trace-node'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/resources'),
    ]);
  const { UndiciInstrumentation } = await import('@opentelemetry/instrumentation-undici');
  const url = `${options.otlpEndpoint.replace(/\/+$/, '')}/v1/traces`;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [
      // First: what reaches the exporter has been stripped of anything that could be personal data.
      { onStart: () => {}, onEnd: sanitiseSpan, forceFlush: async () => {}, shutdown: async () => {} },
      new BatchSpanProcessor(new OTLPTraceExporter({ url }), { scheduledDelayMillis: 1_000 }),
    ],
  });
  // The global provider, AsyncLocalStorage context and W3C trace-context propagation.
  provider.register();
  // Subscribes to undici's diagnostics channels as it is made (they carry every undici and fetch request).
  const undici = new UndiciInstrumentation({
    // Only calls made while handling a request or a job: background polls are not traces of their own.
    requireParentforSpans: true,
    startSpanHook: (request) => ({ 'url.path': sanitisePath(request.path) }),
  });
  undici.setTracerProvider(provider);
  tracer = provider.getTracer('leadline');
  logger.info({ endpoint: new URL(url).origin }, 'tracing to an OTLP endpoint');
  return {
    flush: () => provider.forceFlush(),
    shutdown: async () => {
      undici.disable();
      tracer = undefined;
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

export function tracingActive(): boolean {
  return tracer !== undefined;
}

/** A server span for an HTTP request, child of the caller's `traceparent` if it sent one. */
export function startRequestSpan(
  method: string,
  route: string | undefined,
  headers: Record<string, unknown>,
): { span: Span; context: Context } | undefined {
  if (!tracer) return undefined;
  const parent = propagation.extract(ROOT_CONTEXT, headers);
  const pattern = route ?? 'unknown route';
  const span = tracer.startSpan(
    `${method} ${pattern}`,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': pattern } },
    parent,
  );
  return { span, context: trace.setSpan(parent, span) };
}

export function endRequestSpan(span: Span, statusCode: number, workspaceId: string | undefined): void {
  span.setAttribute('http.response.status_code', statusCode);
  if (workspaceId) span.setAttribute(WORKSPACE_ATTRIBUTE, workspaceId);
  if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/** Runs `work` with `ctx` active (outbound calls and enqueued jobs become its children). */
export function withContext<T>(ctx: Context, work: () => T): T {
  return context.with(ctx, work);
}

/** The active trace as a W3C `traceparent`, for a job's envelope; undefined when not tracing. */
export function currentTraceparent(): string | undefined {
  if (!tracer || !trace.getSpan(context.active())) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * Runs a job's handler in a consumer span, child of the trace that enqueued it (`traceparent` from the
 * envelope) or a trace of its own.
 */
export async function traceJob<T>(
  job: { task: string; jobId: string; attempt: number; tenantId: string | null; traceparent?: string | null },
  work: () => Promise<T>,
): Promise<T> {
  if (!tracer) return work();
  const parent = job.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: job.traceparent })
    : ROOT_CONTEXT;
  const span = tracer.startSpan(
    `job ${job.task}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'leadline.job.task': job.task,
        'leadline.job.id': job.jobId,
        'leadline.job.attempt': job.attempt,
        ...(job.tenantId ? { [WORKSPACE_ATTRIBUTE]: job.tenantId } : {}),
      },
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR });
    span.setAttribute('error.type', error instanceof Error ? error.name : 'unknown');
    throw error;
  } finally {
    span.end();
  }
}
