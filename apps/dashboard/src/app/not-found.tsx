import Link from 'next/link';

export default function NotFound() {
  return (
    <main className="main" id="main">
      <h1>Not found</h1>
      <p>This page, or the object it shows, does not exist in the current tenant.</p>
      <p>
        <Link href="/">Back to the overview</Link>
      </p>
    </main>
  );
}
