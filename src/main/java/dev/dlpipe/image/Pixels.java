package dev.dlpipe.image;

/**
 * A decoded image: {@code height x width x channels} values in HWC order (row-major, channels interleaved),
 * as floats on the 0..255 scale until normalized.
 */
public record Pixels(int height, int width, int channels, float[] data) {

    public Pixels {
        if (data.length != height * width * channels) {
            throw new IllegalArgumentException("pixel buffer has " + data.length + " values, expected "
                    + height + "x" + width + "x" + channels);
        }
    }

    public float at(int y, int x, int c) {
        return data[(y * width + x) * channels + c];
    }
}
