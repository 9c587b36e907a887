import { createTransport, type Transporter } from 'nodemailer';

// One nodemailer transport per SMTP URL (MAILTRAIL_SMTP_URL), shared by the workflow engine's notify
// and the backup notifications: its pooled connection is reused instead of opened per message.
const transports = new Map<string, Transporter>();

export function mailTransport(smtpUrl: string): Transporter {
  let transport = transports.get(smtpUrl);
  if (!transport) {
    transport = createTransport(smtpUrl);
    transports.set(smtpUrl, transport);
  }
  return transport;
}
