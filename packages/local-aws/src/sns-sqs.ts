import { startFauxqs } from 'fauxqs';

export interface SnsSqsEmulator {
  /** `http://127.0.0.1:<port>`: the endpoint for both the SNS and the SQS client. */
  readonly endpoint: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts the SNS/SQS emulator (fauxqs) in this process, on a free port unless one is given. State lives in
 * memory only and any credentials are accepted. Clients reach it with the real AWS SDK, over HTTP.
 */
export async function startSnsSqs(options: { port?: number; host?: string } = {}): Promise<SnsSqsEmulator> {
  const server = await startFauxqs({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', logger: false });
  return { endpoint: server.address, port: server.port, stop: () => server.stop() };
}
