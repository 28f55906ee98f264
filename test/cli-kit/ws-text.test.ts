import { wsText } from '../../cli-kit/ws-text';

describe('wsText', () => {
  test('reads a Buffer, an ArrayBuffer and fragments as the same UTF-8 text', () => {
    const bytes = Buffer.from('héllo ✓', 'utf8');
    expect(wsText(bytes)).toBe('héllo ✓');
    expect(wsText(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))).toBe('héllo ✓');
    expect(wsText([bytes.subarray(0, 2), bytes.subarray(2)])).toBe('héllo ✓');
  });
});
