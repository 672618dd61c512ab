export * from './catalog.ts';
export * from './egress.ts';
export * from './events.ts';
export * from './lifecycle.ts';
export * from './queue.ts';
export * from './running-cap.ts';
export * from './webhooks.ts';
