/**
 * Frees memory during backpropagation. tfjs-core's backward pass keeps every intermediate
 * gradient and every tensor saved for the backward pass until the whole pass ends, so a training
 * step's peak holds all activations plus all their gradients at once. The wasm heap cannot grow
 * past 4 GB, and a deep 32x32x3 network (an imported ResNet-20 at batch 128, whose explicit
 * padding layers add activations) crossed it: wasm then traps with "memory access out of bounds"
 * in whichever kernel allocates next.
 *
 * The tape is walked in reverse order of recording, so once a node's input gradients are
 * computed its output gradients (dys) and its saved tensors are never read again: each is
 * disposed when the next node's backward step starts. Only outermost gradients (gradient depth 0) do this; higher-order
 * gradients record the backward pass on an outer tape that still needs them. Tensors a node's
 * gradient returns as-is, one returned for two inputs, and the caller's own dy are left alone.
 */
import * as tf from '@tensorflow/tfjs';

type GradientFunctions = Record<string, () => tf.Tensor>;

interface TapeNode {
  inputs: Record<string, tf.Tensor>;
  saved?: tf.Tensor[];
  gradient?: (dys: tf.Tensor[]) => GradientFunctions;
}

/** The Engine internals this relies on (tfjs-core 4.x; checked at install time). */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  addTapeNode: (...args: unknown[]) => void;
  gradients: (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => unknown;
}

let installed = false;

/** Installs the early release on tfjs's engine. Idempotent; a no-op if the engine's internals differ. */
export function installBackpropMemoryRelease(): void {
  if (installed) return;
  const engine = tf.engine() as unknown as EngineInternals;
  if (
    typeof engine.addTapeNode !== 'function' ||
    typeof engine.gradients !== 'function' ||
    typeof engine.state?.gradientDepth !== 'number'
  ) {
    return;
  }
  installed = true;
  /** How often each tensor came back as an input gradient: one returned for two inputs is aliased. */
  const returnedCount = new WeakMap<tf.Tensor, number>();
  /** The dy each running `gradients` call was given (the caller owns it). */
  const callerDys: (tf.Tensor | undefined)[] = [];
  /** The node whose backward step ran last: released when the next one starts. */
  let previous: { dys: (tf.Tensor | null)[]; saved: tf.Tensor[]; returned: Set<tf.Tensor> } | null = null;
  const releasePrevious = () => {
    if (!previous) return;
    const { dys, saved, returned } = previous;
    previous = null;
    const callerDy = callerDys[callerDys.length - 1];
    for (const t of dys) {
      if (t && t !== callerDy && !returned.has(t) && (returnedCount.get(t) ?? 0) <= 1) t.dispose();
    }
    for (const t of saved) if (!returned.has(t)) t.dispose();
  };
  const gradients = engine.gradients.bind(engine);
  engine.gradients = (f, xs, dy, allowNoGradients) => {
    callerDys.push(dy);
    previous = null;
    try {
      return gradients(f, xs, dy, allowNoGradients);
    } finally {
      previous = null;
      callerDys.pop();
    }
  };
  const addTapeNode = engine.addTapeNode.bind(engine);
  engine.addTapeNode = (...args: unknown[]) => {
    addTapeNode(...args);
    const tape = engine.state.activeTape;
    const node = tape?.[tape.length - 1];
    const gradient = node?.gradient;
    if (!node || !gradient) return;
    node.gradient = (dys) => {
      if (engine.state.gradientDepth !== 0) return gradient(dys);
      // backpropagateGradients asks a node for its gradients only after the node before it
      // (later on the tape) has computed all of its input gradients: that node is done.
      releasePrevious();
      const functions = gradient(dys);
      const returned = new Set<tf.Tensor>();
      const wrapped: GradientFunctions = {};
      for (const [name, compute] of Object.entries(functions)) {
        wrapped[name] = () => {
          const dx = compute();
          returned.add(dx);
          returnedCount.set(dx, (returnedCount.get(dx) ?? 0) + 1);
          return dx;
        };
      }
      previous = { dys: [...dys], saved: node.saved ?? [], returned };
      return wrapped;
    };
  };
}
