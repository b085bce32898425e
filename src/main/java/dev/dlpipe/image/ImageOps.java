package dev.dlpipe.image;

/** Pure pixel transforms used by cleaning and augmentation. Each returns a new {@link Pixels}. */
public final class ImageOps {

    private ImageOps() {
    }

    /** Bilinear resize (pixel-centre aligned); a no-op copy when the size already matches. */
    public static Pixels resize(Pixels src, int height, int width) {
        if (src.height() == height && src.width() == width) {
            return src;
        }
        int c = src.channels();
        float[] out = new float[height * width * c];
        double sy = (double) src.height() / height;
        double sx = (double) src.width() / width;
        for (int y = 0; y < height; y++) {
            double fy = Math.max(0, (y + 0.5) * sy - 0.5);
            int y0 = Math.min((int) fy, src.height() - 1);
            int y1 = Math.min(y0 + 1, src.height() - 1);
            double wy = fy - y0;
            for (int x = 0; x < width; x++) {
                double fx = Math.max(0, (x + 0.5) * sx - 0.5);
                int x0 = Math.min((int) fx, src.width() - 1);
                int x1 = Math.min(x0 + 1, src.width() - 1);
                double wx = fx - x0;
                for (int k = 0; k < c; k++) {
                    double top = src.at(y0, x0, k) * (1 - wx) + src.at(y0, x1, k) * wx;
                    double bottom = src.at(y1, x0, k) * (1 - wx) + src.at(y1, x1, k) * wx;
                    out[(y * width + x) * c + k] = (float) (top * (1 - wy) + bottom * wy);
                }
            }
        }
        return new Pixels(height, width, c, out);
    }

    /** Gray to RGB by replication, RGB(A) to gray by ITU-R 601 luma; alpha is dropped. */
    public static Pixels convertChannels(Pixels src, int channels) {
        int from = src.channels();
        if (from == channels) {
            return src;
        }
        int n = src.height() * src.width();
        float[] out = new float[n * channels];
        for (int i = 0; i < n; i++) {
            if (channels == 1) {
                float r = src.data()[i * from];
                float g = from >= 3 ? src.data()[i * from + 1] : r;
                float b = from >= 3 ? src.data()[i * from + 2] : r;
                out[i] = 0.299f * r + 0.587f * g + 0.114f * b;
            } else {
                for (int k = 0; k < channels; k++) {
                    out[i * channels + k] = src.data()[i * from + Math.min(k, from - 1)];
                }
            }
        }
        return new Pixels(src.height(), src.width(), channels, out);
    }

    /** Scales 0..255 values into [0, 1]. */
    public static Pixels toUnit(Pixels src) {
        float[] out = new float[src.data().length];
        for (int i = 0; i < out.length; i++) {
            out[i] = src.data()[i] / 255f;
        }
        return new Pixels(src.height(), src.width(), src.channels(), out);
    }

    /** HWC (interleaved) to CHW (planar), the layout DL4J's convolution layers expect. */
    public static float[] toChw(Pixels src) {
        int h = src.height();
        int w = src.width();
        int c = src.channels();
        if (c == 1) {
            return src.data().clone();
        }
        float[] out = new float[h * w * c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int k = 0; k < c; k++) {
                    out[(k * h + y) * w + x] = src.data()[(y * w + x) * c + k];
                }
            }
        }
        return out;
    }
}
