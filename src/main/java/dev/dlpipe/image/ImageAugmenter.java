package dev.dlpipe.image;

import java.util.SplittableRandom;

/**
 * Random image augmentation on CHW float tensors. Every op draws from the {@link SplittableRandom} it is given,
 * in a fixed order, so the result depends only on that random stream: seed it from (seed, row key, copy index)
 * and reruns, retries and repartitioning give identical pixels.
 */
public final class ImageAugmenter {

    /** Each op's range and the probability it is applied; {@code maxValue} is the pixel scale (1 after unit scaling). */
    public record Settings(double flipHorizontal, double flipVertical, double brightness, double contrast,
                           int cropPadding, double rotationDegrees, double noiseStd, int cutoutSize,
                           Probabilities p, float maxValue) implements java.io.Serializable {
    }

    /** How likely each ranged op is applied to a copy (flips carry their own probability above). */
    public record Probabilities(double brightness, double contrast, double crop, double rotation, double noise,
                                double cutout) implements java.io.Serializable {
        public static final Probabilities ALWAYS = new Probabilities(1, 1, 1, 1, 1, 1);
    }

    private ImageAugmenter() {
    }

    public static float[] augment(float[] chw, int c, int h, int w, Settings s, SplittableRandom rnd) {
        float[] img = chw.clone();
        // draw every random number up front, whether or not its op is enabled, so that enabling one op
        // does not change the draws of the others
        Probabilities p = s.p();
        boolean flipH = rnd.nextDouble() < s.flipHorizontal();
        boolean flipV = rnd.nextDouble() < s.flipVertical();
        double brightness = (rnd.nextDouble() * 2 - 1) * s.brightness() * s.maxValue();
        brightness = rnd.nextDouble() < p.brightness() ? brightness : 0;
        double contrast = 1 + (rnd.nextDouble() * 2 - 1) * s.contrast();
        contrast = rnd.nextDouble() < p.contrast() ? contrast : 1;
        double angle = StrictMath.toRadians((rnd.nextDouble() * 2 - 1) * s.rotationDegrees());
        angle = rnd.nextDouble() < p.rotation() ? angle : 0;
        int dx = s.cropPadding() == 0 ? 0 : rnd.nextInt(2 * s.cropPadding() + 1) - s.cropPadding();
        int dy = s.cropPadding() == 0 ? 0 : rnd.nextInt(2 * s.cropPadding() + 1) - s.cropPadding();
        if (rnd.nextDouble() >= p.crop()) {
            dx = 0;
            dy = 0;
        }
        boolean noise = rnd.nextDouble() < p.noise() && s.noiseStd() > 0;
        int cutX = rnd.nextInt(w);
        int cutY = rnd.nextInt(h);
        boolean cut = rnd.nextDouble() < p.cutout() && s.cutoutSize() > 0;

        if (flipH) {
            img = flipHorizontal(img, c, h, w);
        }
        if (flipV) {
            img = flipVertical(img, c, h, w);
        }
        if (angle != 0 || dx != 0 || dy != 0) {
            img = rotateShift(img, c, h, w, angle, dx, dy);
        }
        if (contrast != 1 || brightness != 0) {
            adjust(img, c, h * w, contrast, brightness);
        }
        if (noise) {
            for (int i = 0; i < img.length; i++) {
                img[i] += (float) (dev.dlpipe.sampledata.Seeds.gaussian(rnd) * s.noiseStd() * s.maxValue());
            }
        }
        if (cut) {
            cutout(img, c, h, w, cutX, cutY, s.cutoutSize());
        }
        for (int i = 0; i < img.length; i++) {
            img[i] = Math.max(0f, Math.min(s.maxValue(), img[i]));
        }
        return img;
    }

    public static float[] flipHorizontal(float[] img, int c, int h, int w) {
        float[] out = new float[img.length];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                int row = (k * h + y) * w;
                for (int x = 0; x < w; x++) {
                    out[row + x] = img[row + w - 1 - x];
                }
            }
        }
        return out;
    }

    public static float[] flipVertical(float[] img, int c, int h, int w) {
        float[] out = new float[img.length];
        for (int k = 0; k < c; k++) {
            for (int y = 0; y < h; y++) {
                System.arraycopy(img, (k * h + h - 1 - y) * w, out, (k * h + y) * w, w);
            }
        }
        return out;
    }

    /** Rotation about the centre plus an integer shift (the crop-with-padding), bilinear, zero outside. */
    static float[] rotateShift(float[] img, int c, int h, int w, double angle, int dx, int dy) {
        float[] out = new float[img.length];
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        double cx = (w - 1) / 2.0;
        double cy = (h - 1) / 2.0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double u = x - dx - cx;
                double v = y - dy - cy;
                double sx = cos * u + sin * v + cx;
                double sy = -sin * u + cos * v + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                for (int k = 0; k < c; k++) {
                    int plane = k * h * w;
                    double v00 = sample(img, plane, h, w, y0, x0);
                    double v01 = sample(img, plane, h, w, y0, x0 + 1);
                    double v10 = sample(img, plane, h, w, y0 + 1, x0);
                    double v11 = sample(img, plane, h, w, y0 + 1, x0 + 1);
                    out[plane + y * w + x] = (float) ((v00 * (1 - fx) + v01 * fx) * (1 - fy)
                            + (v10 * (1 - fx) + v11 * fx) * fy);
                }
            }
        }
        return out;
    }

    private static double sample(float[] img, int plane, int h, int w, int y, int x) {
        return (y < 0 || x < 0 || y >= h || x >= w) ? 0 : img[plane + y * w + x];
    }

    /** Contrast about each channel's mean, then a brightness shift. */
    static void adjust(float[] img, int c, int planeSize, double contrast, double brightness) {
        for (int k = 0; k < c; k++) {
            double mean = 0;
            for (int i = 0; i < planeSize; i++) {
                mean += img[k * planeSize + i];
            }
            mean /= planeSize;
            for (int i = 0; i < planeSize; i++) {
                int j = k * planeSize + i;
                img[j] = (float) ((img[j] - mean) * contrast + mean + brightness);
            }
        }
    }

    static void cutout(float[] img, int c, int h, int w, int cx, int cy, int size) {
        int y0 = Math.max(0, cy - size / 2);
        int x0 = Math.max(0, cx - size / 2);
        int y1 = Math.min(h, y0 + size);
        int x1 = Math.min(w, x0 + size);
        for (int k = 0; k < c; k++) {
            for (int y = y0; y < y1; y++) {
                java.util.Arrays.fill(img, (k * h + y) * w + x0, (k * h + y) * w + x1, 0f);
            }
        }
    }

}
