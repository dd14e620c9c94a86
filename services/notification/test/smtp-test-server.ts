import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

export interface ReceivedMail {
  /** RCPT TO of the SMTP envelope. */
  envelopeTo: string[];
  messageId: string;
  /** The X-Marketplace-Event-Id header: which event the mail is about. */
  eventId: string;
  to: string[];
  from: string;
  subject: string;
  html: string;
  text: string;
  parsed: ParsedMail;
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

function addresses(field: ParsedMail['to']): string[] {
  const list = Array.isArray(field) ? field : field ? [field] : [];
  return list.flatMap((group) => group.value.map((a) => a.address ?? ''));
}

/**
 * A real SMTP server (smtp-server) for the tests: keeps every accepted message, parsed with mailparser.
 * Recipients in `refused` get 550 for good, in `deferred` 421 every time; `deferAll` answers 421 to
 * every MAIL FROM (a server that is there but refuses for now).
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  readonly refused = new Set<string>();
  readonly deferred = new Set<string>();
  deferAll = false;
  port = 0;
  private server?: SMTPServer;
  /** Connection errors the server reported (clients that went away mid-session). */
  readonly connectionErrors: string[] = [];

  async start(port = this.port): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      closeTimeout: 500,
      onMailFrom: (_address: SMTPServerAddress, _session, callback) => {
        callback(this.deferAll ? smtpError(421, '4.3.2 Service not available, closing transmission channel (test: deferring everything)') : null);
      },
      onRcptTo: (address: SMTPServerAddress, _session, callback) => {
        if (this.refused.has(address.address))
          return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: mailbox does not exist`));
        if (this.deferred.has(address.address)) return callback(smtpError(421, `4.7.0 <${address.address}>: greylisted, try again later`));
        callback();
      },
      onData: (stream, session, callback) => {
        simpleParser(stream).then(
          (parsed) => {
            const header = parsed.headers.get('x-marketplace-event-id');
            this.received.push({
              envelopeTo: session.envelope.rcptTo.map((r) => r.address),
              messageId: parsed.messageId ?? '',
              eventId: typeof header === 'string' ? header : '',
              to: addresses(parsed.to),
              from: addresses(parsed.from as ParsedMail['to']).join(','),
              subject: parsed.subject ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              text: parsed.text ?? '',
              parsed,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    // A client that dies mid-session (a SIGKILLed service, in the chaos test) resets its connection; the
    // server reports it as an 'error' event, which must not take the test process down.
    server.on('error', (error: Error) => this.connectionErrors.push(error.message));
    this.server = server;
    this.port = (server.server.address() as { port: number }).port;
    return this;
  }

  /** Stops listening: connections are refused until `start` again (on the same port). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  about(eventId: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.eventId === eventId);
  }
}
