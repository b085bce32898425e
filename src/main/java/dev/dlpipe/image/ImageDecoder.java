package dev.dlpipe.image;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;

/**
 * Turns the stored form of an image into {@link Pixels}: {@code raw} uint8 tensors as the generator writes them
 * (HWC), or encoded PNG / JPEG / BMP / GIF via ImageIO. Failures carry a reason code for the quarantine.
 */
public final class ImageDecoder {

    public static final String UNKNOWN_FORMAT = "unknown_format";
    public static final String EMPTY = "empty_image";
    public static final String TRUNCATED = "truncated_pixels";
    public static final String UNDECODABLE = "undecodable_image";
    public static final String BAD_SHAPE = "bad_shape";
    public static final String TOO_LARGE = "too_large";
    /** 8192 x 8192: far above any training input, far below what exhausts an executor's heap. */
    public static final long DEFAULT_MAX_PIXELS = 8192L * 8192L;

    private ImageDecoder() {
    }

    public static Pixels decode(String format, byte[] data, int height, int width, int channels)
            throws ImageDecodeException {
        return decode(format, data, height, width, channels, DEFAULT_MAX_PIXELS);
    }

    /**
     * {@code maxPixels}: an image with more pixels is refused ({@code too_large}) from its header, before any
     * pixel is decoded; a 1.5 MB PNG of 40000 x 40000 would otherwise need 19 GB of floats and kill the job.
     */
    public static Pixels decode(String format, byte[] data, int height, int width, int channels, long maxPixels)
            throws ImageDecodeException {
        if (data == null || data.length == 0) {
            throw new ImageDecodeException(EMPTY, "no image bytes");
        }
        String f = format == null ? "" : format.toLowerCase(java.util.Locale.ROOT);
        switch (f) {
            case "raw":
                if ((long) height * width > maxPixels) {
                    throw tooLarge(height, width, maxPixels);
                }
                return raw(data, height, width, channels);
            case "png": case "jpeg": case "jpg": case "bmp": case "gif":
                return encoded(data, maxPixels);
            default:
                throw new ImageDecodeException(UNKNOWN_FORMAT, "format '" + format + "'");
        }
    }

    private static Pixels raw(byte[] data, int height, int width, int channels) throws ImageDecodeException {
        if (height <= 0 || width <= 0 || channels <= 0 || channels > 4) {
            throw new ImageDecodeException(BAD_SHAPE, "shape " + height + "x" + width + "x" + channels);
        }
        long expected = (long) height * width * channels;
        if (data.length != expected) {
            throw new ImageDecodeException(TRUNCATED, data.length + " bytes for a " + height + "x" + width + "x"
                    + channels + " image (" + expected + " expected)");
        }
        float[] px = new float[data.length];
        for (int i = 0; i < data.length; i++) {
            px[i] = data[i] & 0xFF;
        }
        return new Pixels(height, width, channels, px);
    }

    private static ImageDecodeException tooLarge(long h, long w, long maxPixels) {
        return new ImageDecodeException(TOO_LARGE, w + "x" + h + " = " + (w * h) + " pixels, over clean.image.max-pixels ("
                + maxPixels + ")");
    }

    private static Pixels encoded(byte[] data, long maxPixels) throws ImageDecodeException {
        BufferedImage img;
        try (javax.imageio.stream.ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            java.util.Iterator<javax.imageio.ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageDecodeException(UNDECODABLE, "no image reader recognises these " + data.length + " bytes");
            }
            javax.imageio.ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0);
                long h = reader.getHeight(0);
                if (w * h > maxPixels) { // from the header: nothing decoded yet
                    throw tooLarge(h, w, maxPixels);
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            throw new ImageDecodeException(UNDECODABLE, String.valueOf(e.getMessage()));
        }
        if (img == null) {
            throw new ImageDecodeException(UNDECODABLE, "no image reader recognises these " + data.length + " bytes");
        }
        int h = img.getHeight();
        int w = img.getWidth();
        boolean gray = img.getColorModel().getNumColorComponents() == 1;
        int c = gray ? 1 : 3;
        float[] px = new float[h * w * c];
        if (gray) {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRaster().getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    px[y * w + x] = row[x];
                }
            }
        } else {
            int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                px[i * 3] = (argb[i] >> 16) & 0xFF;
                px[i * 3 + 1] = (argb[i] >> 8) & 0xFF;
                px[i * 3 + 2] = argb[i] & 0xFF;
            }
        }
        return new Pixels(h, w, c, px);
    }
}
