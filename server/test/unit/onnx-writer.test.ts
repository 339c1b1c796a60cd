import { describe, expect, it } from 'vitest';
import { ort } from '../../src/understanding/onnx-runtime';
import { writeModel } from '../../src/understanding/onnx-writer';

describe('ONNX writer', () => {
  it('writes a linear softmax model that onnxruntime-node loads and computes exactly; the bytes are deterministic', async () => {
    const W = new Float32Array([1, 0, -1, 0.5, 2, 0]); // 2 inputs × 3 classes
    const b = new Float32Array([0.1, 0.2, 0.3]);
    const model = () =>
      writeModel(
        {
          name: 'linear',
          nodes: [
            { op: 'MatMul', inputs: ['x', 'W'], outputs: ['xw'] },
            { op: 'Add', inputs: ['xw', 'b'], outputs: ['logits'] },
            { op: 'Softmax', inputs: ['logits'], outputs: ['probs'], attributes: [{ name: 'axis', i: 1 }] },
          ],
          initializers: [
            { name: 'W', dtype: 'float', dims: [2, 3], data: W },
            { name: 'b', dtype: 'float', dims: [3], data: b },
          ],
          inputs: [{ name: 'x', dtype: 'float', shape: ['batch', 2] }],
          outputs: [{ name: 'probs', dtype: 'float', shape: ['batch', 3] }],
        },
        { producer: 'hotline-test', version: '1' },
      );
    const bytes = model();
    expect(model().equals(bytes)).toBe(true);
    const session = await ort.InferenceSession.create(bytes);
    const x = new Float32Array([1, 2, -1, 0]);
    const out = await session.run({ x: new ort.Tensor('float32', x, [2, 2]) });
    const probs = out.probs.data as Float32Array;
    for (let r = 0; r < 2; r++) {
      const logits = [0, 1, 2].map((c) => x[r * 2] * W[c] + x[r * 2 + 1] * W[3 + c] + b[c]);
      const z = logits.map(Math.exp);
      const sum = z.reduce((a, v) => a + v, 0);
      for (let c = 0; c < 3; c++) expect(probs[r * 3 + c]).toBeCloseTo(z[c] / sum, 6);
    }
    await session.release();
  });
});
