/**
 * The signed-in shell: top bar (tenant switcher, user, sign-out), side navigation and the main
 * landmark. Redirects to /signin without a session; shows the gateway's error when it fails.
 */
import Link from 'next/link';
import type { ReactNode } from 'react';
import { ErrorPanel } from '@/components/Alert';
import { RoleBadge } from '@/components/Badges';
import { NavLinks } from '@/components/shell/NavLinks';
import { SignOutButton } from '@/components/shell/SignOutButton';
import { TenantSwitcher } from '@/components/shell/TenantSwitcher';
import { ViewerProvider } from '@/components/shell/ViewerProvider';
import { getViewerContext } from '@/lib/gateway/server';

export default async function AppLayout({ children }: { children: ReactNode }) {
  const context = await getViewerContext();
  if (!context.ok) {
    return (
      <div className="shell">
        <header className="topbar">
          <Brand />
          <SignOutButton />
        </header>
        <main id="main" className="main" style={{ gridColumn: '1 / -1' }}>
          <h1>Cannot reach Antidote</h1>
          <ErrorPanel title="Your account could not be loaded from the gateway." error={context.error} />
        </main>
      </div>
    );
  }
  const { viewer, session } = context.data;
  const tenants = viewer.memberships.map((m) => ({ id: m.tenant.id, name: m.tenant.name, slug: m.tenant.slug, role: m.role }));
  const userName = viewer.user?.name || viewer.user?.email || session.user.email;
  return (
    <ViewerProvider value={{ tenant: viewer.tenant.slug, tenantName: viewer.tenant.name, role: viewer.role, userName }}>
      <a href="#main" className="skip-link">
        Skip to main content
      </a>
      <div className="shell">
        <header className="topbar">
          <Brand />
          <TenantSwitcher current={viewer.tenant.id} tenants={tenants} />
          <span className="user">
            <span>{userName}</span>
            <RoleBadge role={viewer.role} />
          </span>
          <SignOutButton />
        </header>
        <nav className="sidenav" aria-label="Main">
          <NavLinks />
        </nav>
        <main id="main" className="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </ViewerProvider>
  );
}

function Brand() {
  return (
    <Link href="/" className="brand">
      <span className="brand-mark" aria-hidden="true">
        A
      </span>
      Antidote
    </Link>
  );
}
