package dev.dlpipe.model;

/**
 * Symmetric per-output-channel int8 quantization of a weight tensor held as a flat array in C order:
 * {@code scale[c] = max|w[c]| / 127}, {@code q = round(w / scale)} clamped to [-127, 127].
 * For a dense layer's [nIn, nOut] matrix the output channel is the column; for a convolution's
 * [nOut, nIn, kH, kW] kernel it is the first dimension.
 */
public final class Int8Quantizer {

    /** The quantized tensor: int8 values in the original layout plus one scale per output channel. */
    public record Quantized(byte[] values, float[] scales, long[] shape, boolean channelIsLastDim) {
    }

    private Int8Quantizer() {
    }

    public static Quantized quantize(float[] w, long[] shape) {
        return quantize(w, shape, 127);
    }

    /**
     * With {@code maxLevel} 63 the values use 7 of the 8 bits ("reduce range"): x86 CPUs without VNNI multiply
     * uint8 activations by int8 weights with VPMADDUBSW, whose int16 pair sums saturate above 127 * 255 * 2 would
     * reach, and 63 keeps them in range.
     */
    public static Quantized quantize(float[] w, long[] shape, int maxLevel) {
        return quantize(w, shape, maxLevel, shape.length == 2);
    }

    /** A 2-D table quantized per row (an embedding table: one scale per token) instead of per column. */
    public static Quantized quantizeRows(float[] w, long[] shape, int maxLevel) {
        return quantize(w, shape, maxLevel, false);
    }

    private static Quantized quantize(float[] w, long[] shape, int maxLevel, boolean dense) {
        int channels = (int) (dense ? shape[1] : shape[0]);
        int perChannel = w.length / channels;
        float[] scales = new float[channels];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, dense, channels, perChannel);
            scales[c] = Math.max(scales[c], Math.abs(w[i]));
        }
        for (int c = 0; c < channels; c++) {
            scales[c] = scales[c] == 0 ? 1f : scales[c] / maxLevel;
        }
        byte[] q = new byte[w.length];
        for (int i = 0; i < w.length; i++) {
            int c = channel(i, dense, channels, perChannel);
            q[i] = (byte) Math.max(-maxLevel, Math.min(maxLevel, Math.round(w[i] / scales[c])));
        }
        return new Quantized(q, scales, shape.clone(), dense);
    }

    public static float[] dequantize(Quantized q) {
        int channels = q.scales().length;
        int perChannel = q.values().length / channels;
        float[] out = new float[q.values().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = q.values()[i] * q.scales()[channel(i, q.channelIsLastDim(), channels, perChannel)];
        }
        return out;
    }

    private static int channel(int flatIndex, boolean lastDim, int channels, int perChannel) {
        return lastDim ? flatIndex % channels : flatIndex / perChannel;
    }
}
