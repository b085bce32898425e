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

    private ImageDecoder() {
    }

    public static Pixels decode(String format, byte[] data, int height, int width, int channels)
            throws ImageDecodeException {
        if (data == null || data.length == 0) {
            throw new ImageDecodeException(EMPTY, "no image bytes");
        }
        String f = format == null ? "" : format.toLowerCase(java.util.Locale.ROOT);
        switch (f) {
            case "raw":
                return raw(data, height, width, channels);
            case "png": case "jpeg": case "jpg": case "bmp": case "gif":
                return encoded(data);
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

    private static Pixels encoded(byte[] data) throws ImageDecodeException {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(data));
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
