/** The tenant a signed-in user works in: a cookie holding the chosen tenant's slug. */
export const TENANT_COOKIE = 'antidote.tenant';
