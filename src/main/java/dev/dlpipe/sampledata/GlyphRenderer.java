package dev.dlpipe.sampledata;

import java.util.SplittableRandom;

/**
 * Renders one of ten glyph classes (disk, ring, square, frame, triangle, plus, cross, bars, diamond, dots) into a
 * grayscale image with random rotation, scale, shift, stroke width, background noise and clutter. Shapes are
 * signed-distance fields, anti-aliased analytically. StrictMath keeps the bytes identical on every JVM.
 */
public final class GlyphRenderer {

    public static final int CLASSES = 10;
    public static final String[] CLASS_NAMES = {
        "disk", "ring", "square", "frame", "triangle", "plus", "cross", "bars", "diamond", "dots"};

    private GlyphRenderer() {
    }

    /** A {@code size x size} uint8 image (row-major) of class {@code label}, drawn from {@code rnd}. */
    public static byte[] render(int label, int size, SplittableRandom rnd) {
        double angle = (rnd.nextDouble() * 2 - 1) * StrictMath.toRadians(25);
        double scale = 0.75 + rnd.nextDouble() * 0.35;
        double shiftX = (rnd.nextDouble() * 2 - 1) * 0.15;
        double shiftY = (rnd.nextDouble() * 2 - 1) * 0.15;
        double stroke = 0.07 + rnd.nextDouble() * 0.07;
        double ink = 0.65 + rnd.nextDouble() * 0.35;
        double noise = 0.04 + rnd.nextDouble() * 0.10;
        double cos = StrictMath.cos(angle);
        double sin = StrictMath.sin(angle);
        double aa = 1.5 / size; // anti-aliasing width: about one pixel in unit coordinates

        byte[] out = new byte[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                // pixel centre in [-1, 1], then the inverse of the glyph's transform
                double u = ((x + 0.5) / size) * 2 - 1 - shiftX;
                double v = ((y + 0.5) / size) * 2 - 1 - shiftY;
                double px = (cos * u + sin * v) / scale;
                double py = (-sin * u + cos * v) / scale;
                double d = distance(label, px, py, stroke) * scale;
                double value = clamp(0.5 - d / aa) * ink + Seeds.gaussian(rnd) * noise;
                out[y * size + x] = (byte) (int) Math.round(clamp(value) * 255);
            }
        }
        addClutter(out, size, rnd);
        return out;
    }

    /** Signed distance from (x, y) to the glyph, negative inside. */
    static double distance(int label, double x, double y, double stroke) {
        switch (label) {
            case 0: return StrictMath.hypot(x, y) - 0.55;
            case 1: return Math.abs(StrictMath.hypot(x, y) - 0.5) - stroke;
            case 2: return box(x, y, 0.5, 0.5);
            case 3: return Math.abs(box(x, y, 0.5, 0.5)) - stroke;
            case 4: return triangle(x, y);
            case 5: return Math.min(box(x, y, 0.6, stroke), box(x, y, stroke, 0.6));
            case 6: {
                double r = StrictMath.sqrt(0.5);
                double a = (x + y) * r;
                double b = (x - y) * r;
                return Math.min(box(a, b, 0.65, stroke), box(a, b, stroke, 0.65));
            }
            case 7: return Math.min(box(x, y - 0.3, 0.6, stroke), box(x, y + 0.3, 0.6, stroke));
            case 8: return Math.abs(Math.abs(x) + Math.abs(y) - 0.6) * StrictMath.sqrt(0.5) - stroke;
            case 9: return Math.min(StrictMath.hypot(x - 0.35, y) - 0.22, StrictMath.hypot(x + 0.35, y) - 0.22);
            default: throw new IllegalArgumentException("no glyph class " + label);
        }
    }

    private static double box(double x, double y, double hx, double hy) {
        double dx = Math.abs(x) - hx;
        double dy = Math.abs(y) - hy;
        double outside = StrictMath.hypot(Math.max(dx, 0), Math.max(dy, 0));
        return outside + Math.min(Math.max(dx, dy), 0);
    }

    /** Filled upward triangle: the max of the three half-plane distances. */
    private static double triangle(double x, double y) {
        double k = StrictMath.sqrt(3);
        double d1 = y - 0.45;                          // base
        double d2 = (k * x - y - 0.6) / 2;             // right edge
        double d3 = (-k * x - y - 0.6) / 2;            // left edge
        return Math.max(d1, Math.max(d2, d3));
    }

    /** A few short random strokes, so that a pixel or two cannot tell the class. */
    private static void addClutter(byte[] img, int size, SplittableRandom rnd) {
        int strokes = rnd.nextInt(3);
        for (int s = 0; s < strokes; s++) {
            int x = rnd.nextInt(size);
            int y = rnd.nextInt(size);
            int dx = rnd.nextInt(3) - 1;
            int dy = rnd.nextInt(3) - 1;
            int len = 2 + rnd.nextInt(4);
            int value = 120 + rnd.nextInt(136);
            for (int i = 0; i < len; i++) {
                int cx = x + dx * i;
                int cy = y + dy * i;
                if (cx >= 0 && cy >= 0 && cx < size && cy < size) {
                    img[cy * size + cx] = (byte) Math.max(img[cy * size + cx] & 0xFF, value);
                }
            }
        }
    }

    private static double clamp(double v) {
        return v < 0 ? 0 : (v > 1 ? 1 : v);
    }

}
