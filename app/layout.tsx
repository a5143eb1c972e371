import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Rayguard', template: '%s · Rayguard' },
  description: 'Checks Ray cluster launcher configs for AWS: instance profiles, IAM, embedded credentials; writes a corrected config.',
};

export const viewport: Viewport = { colorScheme: 'light', themeColor: '#111722' };

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
