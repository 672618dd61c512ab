import Link from 'next/link';

export default function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>This object does not exist in the current tenant (or you switched tenant since you opened the link).</p>
      <p>
        <Link href="/">Back to the overview</Link>
      </p>
    </section>
  );
}
