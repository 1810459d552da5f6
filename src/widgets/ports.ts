/**
 * What the callback domain needs from a telephony provider, defined here so that the domain never
 * imports a channel: the composition root (app.ts / server.ts) wires Twilio's implementation in
 * (src/channels/twilio/call-bridge.ts). See docs/decisions/0020-callback-ports-and-state-machine.md.
 */
export interface BusinessLeg {
  callbackId: string;
  /** The agent number to ring (server-side configuration, never from a request). */
  agentNumber: string;
  /** The workspace's number shown to the agent and, later, to the visitor. */
  callerNumber: string;
  machineDetection: boolean;
  ringSeconds: number;
}

export interface CallBridge {
  /** Rings one agent number; the provider then asks Leadline what to say (the whisper) and reports status. */
  callBusiness(tenantId: string, leg: BusinessLeg): Promise<{ callSid: string }>;
  /** Ends a ringing or answered business leg (another agent took the call). */
  endCall(tenantId: string, callSid: string): Promise<void>;
}

export interface SmsSender {
  send(
    tenantId: string,
    message: { to: string; from: string; body: string },
  ): Promise<{ messageSid: string }>;
}

/** A provider failure the domain may retry (rate limit, outage) or not (refused number, bad credentials). */
export class TelephonyError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = 'TelephonyError';
  }
}
