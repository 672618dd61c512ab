'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';

const LINKS = [
  { href: '/', label: 'Overview' },
  { href: '/models', label: 'Models' },
  { href: '/datasets', label: 'Datasets' },
  { href: '/jobs', label: 'Jobs' },
  { href: '/monitors', label: 'Monitors' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/audit', label: 'Audit log' },
  { href: '/usage', label: 'Plan and usage' },
];

function active(pathname: string, href: string): boolean {
  if (href === '/') return pathname === '/';
  if (href === '/models' && pathname.startsWith('/versions/')) return true;
  return pathname === href || pathname.startsWith(`${href}/`);
}

export function NavLinks() {
  const pathname = usePathname();
  return (
    <ul>
      {LINKS.map((link) => (
        <li key={link.href}>
          <Link href={link.href} aria-current={active(pathname, link.href) ? 'page' : undefined}>
            {link.label}
          </Link>
        </li>
      ))}
    </ul>
  );
}
