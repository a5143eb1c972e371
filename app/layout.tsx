import type { Metadata, Viewport } from 'next';
import { headers } from 'next/headers';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Rayguard', template: '%s · Rayguard' },
  description: 'Checks Ray cluster launcher configs for AWS: instance profiles, IAM, embedded credentials; writes a corrected config.',
};

export const viewport: Viewport = { colorScheme: 'light', themeColor: '#111722' };

export default async function RootLayout({ children }: { children: ReactNode }) {
  // proxy.ts gives every page request a fresh CSP nonce. Reading the request headers makes every
  // page render per request (a page prerendered at build time would carry no nonce, and its
  // scripts would be blocked). Next itself puts the nonce on its scripts (it reads it from the
  // request's Content-Security-Policy header).
  // There is no <Script> or inline script of our own to pass it to.
  await headers();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
