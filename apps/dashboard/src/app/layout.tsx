import type { Metadata } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'Antidote', template: '%s · Antidote' },
  description: 'Detect, repair and monitor backdoors in image classifiers.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Rendered per request, every page: Next.js stamps the CSP nonce proxy.ts made for this
  // request on its scripts, which a page prerendered at build time could not carry.
  await connection();
  return (
    <html lang="en">
      <body>{children}</body>
    </html>
  );
}
