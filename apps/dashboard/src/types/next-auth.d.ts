/** What the dashboard keeps in next-auth's encrypted JWT cookie: the gateway session token. */
import 'next-auth';
import 'next-auth/jwt';

declare module 'next-auth' {
  interface User {
    gatewayToken?: string;
    gatewayExpiresAt?: string | null;
  }
  interface Session {
    user: { id: string; email: string; name: string };
  }
}

declare module 'next-auth/jwt' {
  interface JWT {
    userId?: string;
    gatewayToken?: string;
    /** ISO time the gateway session ends (the JWT is useless after it). */
    gatewayExpiresAt?: string | null;
  }
}
