import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';

/** An inbound e-mail reduced to what a complaint needs. */
export interface InboundMail {
  from: string;
  subject: string;
  text: string;
}

// ─── MIME (RFC 5322 / 2045 / 2047), the subset mail clients send for a plain complaint ──────────────

const decodeBytes = (latin1: string, charset = 'utf-8'): string => {
  try {
    return new TextDecoder(charset.toLowerCase() === 'gb2312' ? 'gbk' : charset).decode(Buffer.from(latin1, 'latin1'));
  } catch {
    return new TextDecoder('utf-8').decode(Buffer.from(latin1, 'latin1'));
  }
};

const qp = (s: string, header = false): string =>
  (header ? s.replace(/_/g, ' ') : s.replace(/=\r?\n/g, '')).replace(/=([0-9A-Fa-f]{2})/g, (_, h: string) =>
    String.fromCharCode(parseInt(h, 16)),
  );

/** Decodes RFC 2047 encoded words (`=?UTF-8?B?...?=`) in a header value (given as latin1 bytes). */
export function decodeHeader(latin1: string): string {
  const joined = latin1.replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1');
  let out = '';
  let last = 0;
  for (const m of joined.matchAll(/=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g)) {
    out += decodeBytes(joined.slice(last, m.index));
    const bytes = m[2]!.toUpperCase() === 'B' ? Buffer.from(m[3]!, 'base64').toString('latin1') : qp(m[3]!, true);
    out += decodeBytes(bytes, m[1]!);
    last = m.index! + m[0].length;
  }
  return out + decodeBytes(joined.slice(last));
}

function splitHead(part: string): { headers: Map<string, string>; body: string } {
  const i = part.search(/\r?\n\r?\n/);
  const head = i < 0 ? part : part.slice(0, i);
  const body = i < 0 ? '' : part.slice(i).replace(/^\r?\n\r?\n/, '');
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const c = line.indexOf(':');
    if (c > 0) {
      const name = line.slice(0, c).trim().toLowerCase();
      if (!headers.has(name)) headers.set(name, line.slice(c + 1).trim());
    }
  }
  return { headers, body };
}

const param = (value: string, name: string): string | undefined => {
  const m = new RegExp(`;\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return m ? (m[1] ?? m[2]) : undefined;
};

/** The text of a part: the first text/plain in multiparts, else text/html without tags. */
function textOf(headers: Map<string, string>, body: string, depth = 0): { text: string; html: boolean } | undefined {
  const type = headers.get('content-type') ?? 'text/plain';
  const mediaType = type.split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('multipart/') && depth < 5) {
    const boundary = param(type, 'boundary');
    if (!boundary) return undefined;
    const parts = body.split(new RegExp(`\\r?\\n?--${boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:--)?[ \\t]*\\r?\\n?`)).slice(1);
    let html: { text: string; html: boolean } | undefined;
    for (const p of parts) {
      const s = splitHead(p);
      const t = textOf(s.headers, s.body, depth + 1);
      if (t && !t.html) return t;
      if (t && !html) html = t;
    }
    return html;
  }
  if (!mediaType.startsWith('text/')) return undefined;
  const cte = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const raw =
    cte === 'base64' ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('latin1') : cte === 'quoted-printable' ? qp(body) : body;
  const text = decodeBytes(raw, param(type, 'charset') ?? 'utf-8');
  if (mediaType === 'text/html') {
    return {
      text: text
        .replace(/<br\s*\/?>/gi, '\n')
        .replace(/<[^>]+>/g, '')
        .replace(/&nbsp;/g, ' ')
        .trim(),
      html: true,
    };
  }
  return { text: text.trim(), html: false };
}

/** Parses a raw RFC 5322 message (bytes as received) into sender, subject and plain text. */
export function parseMail(raw: Buffer, envelopeFrom = ''): InboundMail {
  const { headers, body } = splitHead(raw.toString('latin1'));
  const fromHeader = decodeHeader(headers.get('from') ?? '');
  const addr = /<([^>]+)>/.exec(fromHeader)?.[1] ?? /[^\s<>"]+@[^\s<>"]+/.exec(fromHeader)?.[0] ?? envelopeFrom;
  return {
    from: addr.trim().toLowerCase(),
    subject: decodeHeader(headers.get('subject') ?? '').trim(),
    text: (textOf(headers, body)?.text ?? '').replace(/\r\n/g, '\n'),
  };
}

// ─── A minimal SMTP receiver (RFC 5321) for one inbound address ────────────────────────────────────

export interface MailboxOptions {
  /** The one address that accepts mail, e.g. complaints@dingban.example. */
  address: string;
  port: number;
  host?: string;
  maxBytes?: number;
  logger?: Logger;
  onMail(mail: InboundMail): Promise<string>;
}

/**
 * Receives mail for the complaints address over SMTP and hands each message to `onMail` before
 * answering 250, so a message is acknowledged only once it is stored (the sender retries otherwise).
 * Put it behind the MX's relay or a TLS-terminating proxy in production; it does not do STARTTLS.
 */
export function startMailbox(o: MailboxOptions): Promise<Server> {
  const max = o.maxBytes ?? 1024 * 1024;
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buf = Buffer.alloc(0);
    let from = '';
    let rcpt = false;
    let data: Buffer[] | null = null;
    let size = 0;
    let busy = false;
    const reply = (line: string) => socket.write(`${line}\r\n`);
    socket.setTimeout(60_000, () => socket.end());
    socket.on('error', () => {});
    reply('220 dingban ESMTP complaints');
    const handle = async () => {
      if (busy) return;
      busy = true;
      try {
        for (;;) {
          if (data) {
            const end = buf.indexOf('\r\n.\r\n');
            const startEnd = size === 0 && buf.subarray(0, 3).toString() === '.\r\n';
            if (end < 0 && !startEnd) {
              // Keep the tail that may hold a split terminator.
              if (buf.length > 4) {
                data.push(buf.subarray(0, buf.length - 4));
                size += buf.length - 4;
                buf = buf.subarray(buf.length - 4);
              }
              if (size > max) {
                data = null;
                reply('552 message too large');
                buf = Buffer.alloc(0);
              }
              return;
            }
            const cut = startEnd ? 0 : end + 2;
            data.push(buf.subarray(0, cut));
            buf = buf.subarray(startEnd ? 3 : end + 5);
            const raw = Buffer.concat(data).toString('latin1').replace(/^\.\./gm, '.');
            data = null;
            size = 0;
            try {
              const ticket = await o.onMail(parseMail(Buffer.from(raw, 'latin1'), from));
              reply(`250 OK ${ticket}`);
            } catch (err) {
              o.logger?.error({ err }, 'complaint mail failed');
              reply('451 temporary failure, try again later');
            }
            from = '';
            rcpt = false;
            continue;
          }
          const nl = buf.indexOf('\r\n');
          if (nl < 0) {
            if (buf.length > 4096) socket.end('500 line too long\r\n');
            return;
          }
          const line = buf.subarray(0, nl).toString('utf8');
          buf = buf.subarray(nl + 2);
          const verb = line.slice(0, 4).toUpperCase();
          if (verb === 'EHLO') {
            socket.write(`250-dingban\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE ${max}\r\n`);
          } else if (verb === 'HELO') reply('250 dingban');
          else if (verb === 'MAIL') {
            from = /<([^>]*)>/.exec(line)?.[1] ?? '';
            rcpt = false;
            reply('250 OK');
          } else if (verb === 'RCPT') {
            const to = (/<([^>]*)>/.exec(line)?.[1] ?? '').toLowerCase();
            if (to === o.address.toLowerCase()) {
              rcpt = true;
              reply('250 OK');
            } else reply('550 no such mailbox');
          } else if (verb === 'DATA') {
            if (!rcpt) reply('503 need RCPT first');
            else {
              data = [];
              size = 0;
              reply('354 end with <CRLF>.<CRLF>');
            }
          } else if (verb === 'RSET') {
            from = '';
            rcpt = false;
            reply('250 OK');
          } else if (verb === 'NOOP') reply('250 OK');
          else if (verb === 'QUIT') {
            socket.end('221 bye\r\n');
            return;
          } else reply('502 command not implemented');
        }
      } finally {
        busy = false;
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      void handle().then(() => {
        if (buf.length && !busy) void handle();
      });
    });
  });
  // Closing the mailbox also drops idle client connections instead of waiting for their timeout.
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host ?? '0.0.0.0', () => resolve(server));
  });
}
