/**
 * ONNX models written the way PyTorch (NCHW, Conv+BN+ReLU, residual Add, x.view(x.size(0), -1))
 * and tf2onnx (NHWC input behind a Transpose, MatMul+Add heads) emit them, with seeded weights.
 * Tests and the formats benchmark prove the importer on these against ONNX Runtime.
 */
import { OnnxGraphBuilder } from '../formats/onnx/builder.ts';
import { createRng, type Rng } from '../random.ts';

function normal(rng: Rng, count: number, std: number, mean = 0): Float32Array {
  return Float32Array.from({ length: count }, () => mean + std * rng.normal());
}

class Net {
  readonly g = new OnnxGraphBuilder();
  constructor(readonly rng: Rng) {}

  weight(dims: number[], std: number, mean = 0): string {
    return this.g.initializer(this.g.fresh('w'), {
      dims,
      data: normal(
        this.rng,
        dims.reduce((a, b) => a * b, 1),
        std,
        mean,
      ),
    });
  }

  ints(values: number[], dims = [values.length]): string {
    return this.g.initializer(this.g.fresh('c'), { dims, data: values, dataType: 'int64' });
  }

  floats(values: number[], dims = [values.length]): string {
    return this.g.initializer(this.g.fresh('f'), { dims, data: Float32Array.from(values) });
  }

  conv(
    x: string,
    inC: number,
    outC: number,
    k: number,
    opts: { stride?: number; pad?: number; group?: number; bias?: boolean; dilation?: number; autoPad?: string } = {},
  ): string {
    const group = opts.group ?? 1;
    const w = this.weight([outC, inC / group, k, k], Math.sqrt(2 / ((inC / group) * k * k)));
    const inputs = [x, w];
    if (opts.bias) inputs.push(this.weight([outC], 0.1));
    const pad = opts.pad ?? 0;
    const attrs: Parameters<OnnxGraphBuilder['node']>[2] = {
      kernel_shape: { ints: [k, k] },
      strides: { ints: [opts.stride ?? 1, opts.stride ?? 1] },
      dilations: { ints: [opts.dilation ?? 1, opts.dilation ?? 1] },
      group: { i: group },
    };
    if (opts.autoPad) attrs.auto_pad = { s: opts.autoPad };
    else attrs.pads = { ints: [pad, pad, pad, pad] };
    return this.g.node('Conv', inputs, attrs);
  }

  /** `gamma` near 1 by default; trained residual branches end in a smaller BN scale. */
  bn(x: string, c: number, gamma = 1): string {
    const variance = Float32Array.from({ length: c }, () => 0.5 + this.rng.next());
    return this.g.node(
      'BatchNormalization',
      [
        x,
        this.weight([c], 0.1 * gamma, gamma),
        this.weight([c], 0.1),
        this.weight([c], 0.1),
        this.g.initializer(this.g.fresh('var'), { dims: [c], data: variance }),
      ],
      { epsilon: { f: 1e-5 }, momentum: { f: 0.9 } },
    );
  }

  relu(x: string): string {
    return this.g.node('Relu', [x]);
  }

  /** x.view(x.size(0), -1) as torch.onnx.export writes it. */
  view(x: string): string {
    const shape = this.g.node('Shape', [x]);
    const batch = this.g.node('Gather', [shape, this.ints([0], [])], { axis: { i: 0 } });
    const unsqueezed = this.g.node('Unsqueeze', [batch, this.ints([0])]);
    const target = this.g.node('Concat', [unsqueezed, this.ints([-1])], { axis: { i: 0 } });
    return this.g.node('Reshape', [x, target]);
  }

  gemm(x: string, inF: number, outF: number, opts: { transB?: boolean; alpha?: number; beta?: number } = {}): string {
    const transB = opts.transB ?? true;
    const w = this.weight(transB ? [outF, inF] : [inF, outF], Math.sqrt(1 / inF));
    return this.g.node('Gemm', [x, w, this.weight([outF], 0.1)], {
      transB: { i: transB ? 1 : 0 },
      alpha: { f: opts.alpha ?? 1 },
      beta: { f: opts.beta ?? 1 },
    });
  }
}

export interface TestModelOptions {
  size: number;
  channels?: number;
  classes?: number;
  seed?: number;
  /** A fixed ONNX batch size (torch.onnx.export without dynamic axes), else a symbolic 'N'. */
  staticBatch?: number;
}

/** ResNet-like: Conv+BN+ReLU stem, max pool, identity and strided residual blocks, a depthwise block with ReLU6, GAP, view, Gemm. */
export function resnetLikeOnnx(opts: TestModelOptions & { width?: number }): Uint8Array {
  const net = new Net(createRng(opts.seed ?? 7));
  const { g } = net;
  const c = opts.channels ?? 3;
  const width = opts.width ?? 8;
  const classes = opts.classes ?? 10;
  const batch = opts.staticBatch ?? 'N';
  let x = g.input('input', [batch, c, opts.size, opts.size]);
  x = net.relu(net.bn(net.conv(x, c, width, 3, { pad: 1 }), width));
  x = g.node('MaxPool', [x], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  const block = (input: string, inC: number, outC: number, stride: number): string => {
    let y = net.relu(net.bn(net.conv(input, inC, outC, 3, { stride, pad: 1 }), outC));
    y = net.bn(net.conv(y, outC, outC, 3, { pad: 1 }), outC);
    const shortcut = stride === 1 && inC === outC ? input : net.bn(net.conv(input, inC, outC, 1, { stride }), outC);
    return net.relu(g.node('Add', [y, shortcut]));
  };
  x = block(x, width, width, 1);
  x = block(x, width, width * 2, 2);
  const wide = width * 2;
  x = net.bn(net.conv(x, wide, wide, 3, { pad: 1, group: wide }), wide);
  x = g.node('Clip', [x, net.floats([0], []), net.floats([6], [])]);
  x = net.relu(net.conv(x, wide, wide, 1, { bias: true }));
  x = g.node('GlobalAveragePool', [x]);
  x = net.view(x);
  x = net.gemm(x, wide, classes);
  g.output(x, [batch, classes]);
  return g.build({ producerName: 'pytorch', opset: 17 });
}

/**
 * MobileNet-like, tf2onnx style: NHWC input and Transpose, in-graph mean/std, SAME padding,
 * HardSwish, depthwise with multiplier 2 and ReLU6, squeeze-excite with HardSigmoid, LeakyReLU and
 * Sigmoid branches joined by Concat, Pad + AveragePool, ceil-mode MaxPool, an NHWC flatten, then
 * MatMul + Add + Softmax with Dropout and Identity between.
 */
export function mobilenetLikeOnnx(opts: TestModelOptions & { dilation?: number }): Uint8Array {
  const net = new Net(createRng(opts.seed ?? 11));
  const { g } = net;
  const c = opts.channels ?? 3;
  const classes = opts.classes ?? 10;
  const batch = opts.staticBatch ?? 'N';
  let x = g.input('image', [batch, opts.size, opts.size, c]);
  x = g.node('Transpose', [x], { perm: { ints: [0, 3, 1, 2] } });
  x = g.node('Sub', [
    x,
    net.floats(
      Array.from({ length: c }, (_, i) => 0.4 + 0.05 * i),
      [1, c, 1, 1],
    ),
  ]);
  x = g.node('Div', [
    x,
    net.floats(
      Array.from({ length: c }, (_, i) => 0.25 + 0.01 * i),
      [1, c, 1, 1],
    ),
  ]);
  x = g.node('HardSwish', [net.bn(net.conv(x, c, 8, 3, { stride: 2, autoPad: 'SAME_UPPER' }), 8)]);
  x = net.bn(net.conv(x, 8, 16, 3, { pad: 1, group: 8 }), 16);
  x = g.node('Clip', [x, net.floats([0], []), net.floats([6], [])]);
  const squeezed = g.node('GlobalAveragePool', [x]);
  const excite = net.relu(net.conv(squeezed, 16, 4, 1, { bias: true }));
  const gate = g.node('HardSigmoid', [net.conv(excite, 4, 16, 1, { bias: true })], {
    alpha: { f: 1 / 6 },
    beta: { f: 0.5 },
  });
  x = g.node('Mul', [x, gate]);
  const leaky = g.node('LeakyRelu', [net.conv(x, 16, 8, 1)], { alpha: { f: 0.1 } });
  const dilation = opts.dilation ?? 2;
  const sig = g.node('Sigmoid', [net.conv(x, 16, 8, 3, { pad: dilation, dilation })]);
  x = g.node('Concat', [leaky, sig], { axis: { i: 1 } });
  x = g.node('Mul', [x, net.floats([1.5], [])]);
  x = g.node('Pad', [x, net.ints([0, 0, 1, 1, 0, 0, 1, 1])], { mode: { s: 'constant' } });
  x = g.node('AveragePool', [x], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  x = g.node('MaxPool', [x], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] }, ceil_mode: { i: 1 } });
  x = g.node('Transpose', [x], { perm: { ints: [0, 2, 3, 1] } });
  const side = outSide(opts.size);
  const features = side * side * 16;
  x = g.node('Reshape', [x, net.ints([-1, features])]);
  x = g.node('Dropout', [x]);
  x = g.node('MatMul', [x, net.weight([features, classes], Math.sqrt(1 / features))]);
  x = g.node('Add', [x, net.weight([classes], 0.1)]);
  x = g.node('Identity', [x]);
  x = g.node('Softmax', [x], { axis: { i: -1 } });
  g.output(x, [batch, classes]);
  return g.build({ producerName: 'tf2onnx', opset: 15 });
}

/** Spatial size after the MobileNet-like stack: SAME stride 2, pad+avgpool stride 2, ceil maxpool 2. */
function outSide(size: number): number {
  const afterStem = Math.ceil(size / 2);
  const afterAvg = Math.floor((afterStem + 2 + 2 - 3) / 2) + 1;
  return Math.ceil(afterAvg / 2);
}

/** A small plain CNN for 28x28x1: the NCHW Flatten before a Gemm (transB=0, alpha, beta) and ReduceMean-free head. */
export function plainCnnOnnx(opts: TestModelOptions): Uint8Array {
  const net = new Net(createRng(opts.seed ?? 3));
  const { g } = net;
  const c = opts.channels ?? 1;
  const classes = opts.classes ?? 10;
  const batch = opts.staticBatch ?? 'N';
  let x = g.input('x', [batch, c, opts.size, opts.size]);
  x = net.relu(net.conv(x, c, 6, 5, { bias: true }));
  x = g.node('MaxPool', [x], { kernel_shape: { ints: [2, 2] }, strides: { ints: [2, 2] } });
  x = g.node('Tanh', [net.conv(x, 6, 4, 3, { bias: true, stride: 2 })]);
  x = g.node('Flatten', [x], { axis: { i: 1 } });
  const side = Math.floor((Math.floor((opts.size - 4) / 2) - 3) / 2) + 1;
  x = net.relu(net.gemm(x, 4 * side * side, 16, { transB: false, alpha: 0.5, beta: 2 }));
  x = g.node('Dropout', [x]);
  x = net.gemm(x, 16, classes);
  g.output(x, [batch, classes]);
  return g.build({ producerName: 'pytorch', opset: 13 });
}

/**
 * ResNet-18 as torchvision exports it (BasicBlocks [2, 2, 2, 2] at widths 64..512, BN, residual
 * adds, GAP, Flatten, Gemm). `cifarStem` swaps the 7x7/2 conv + max pool for the 3x3/1 conv of
 * CIFAR-size ResNet-18s.
 */
export function resnet18Onnx(opts: TestModelOptions & { cifarStem?: boolean }): Uint8Array {
  const net = new Net(createRng(opts.seed ?? 18));
  const { g } = net;
  const c = opts.channels ?? 3;
  const classes = opts.classes ?? 10;
  const batch = opts.staticBatch ?? 'N';
  let x = g.input('input', [batch, c, opts.size, opts.size]);
  if (opts.cifarStem) {
    x = net.relu(net.bn(net.conv(x, c, 64, 3, { pad: 1 }), 64));
  } else {
    x = net.relu(net.bn(net.conv(x, c, 64, 7, { stride: 2, pad: 3 }), 64));
    x = g.node('MaxPool', [x], { kernel_shape: { ints: [3, 3] }, strides: { ints: [2, 2] }, pads: { ints: [1, 1, 1, 1] } });
  }
  let inC = 64;
  for (const [width, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let b = 0; b < 2; b++) {
      const s = b === 0 ? stride : 1;
      let y = net.relu(net.bn(net.conv(x, inC, width, 3, { stride: s, pad: 1 }), width));
      // A small residual-branch scale keeps activations (and logits) at trained-network magnitudes.
      y = net.bn(net.conv(y, width, width, 3, { pad: 1 }), width, 0.6);
      const shortcut = s === 1 && inC === width ? x : net.bn(net.conv(x, inC, width, 1, { stride: s }), width);
      x = net.relu(g.node('Add', [y, shortcut]));
      inC = width;
    }
  }
  x = g.node('GlobalAveragePool', [x]);
  x = g.node('Flatten', [x], { axis: { i: 1 } });
  x = net.gemm(x, 512, classes);
  g.output(x, [batch, classes]);
  return g.build({ producerName: 'pytorch', opset: 17 });
}

/** ResNeXt-style block: PReLU stem, a grouped 3x3 conv (group=4) between 1x1 convs, residual Add, GAP, Gemm. */
export function groupedConvOnnx(opts: TestModelOptions): Uint8Array {
  const net = new Net(createRng(opts.seed ?? 21));
  const { g } = net;
  const c = opts.channels ?? 3;
  const classes = opts.classes ?? 10;
  const batch = opts.staticBatch ?? 'N';
  let x = g.input('input', [batch, c, opts.size, opts.size]);
  x = g.node('PRelu', [net.bn(net.conv(x, c, 16, 3, { pad: 1 }), 16), net.weight([16, 1, 1], 0.1, 0.25)]);
  let y = net.relu(net.bn(net.conv(x, 16, 16, 1), 16));
  y = net.relu(net.bn(net.conv(y, 16, 16, 3, { pad: 1, group: 4, stride: 1 }), 16));
  y = net.bn(net.conv(y, 16, 16, 1), 16, 0.6);
  x = net.relu(g.node('Add', [x, y]));
  x = net.conv(x, 16, 24, 3, { stride: 2, group: 8, bias: true });
  x = g.node('GlobalAveragePool', [x]);
  x = g.node('Flatten', [x]);
  x = net.gemm(x, 24, classes);
  g.output(x, [batch, classes]);
  return g.build({ producerName: 'pytorch', opset: 17 });
}
