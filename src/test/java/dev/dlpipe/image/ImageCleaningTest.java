package dev.dlpipe.image;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageCleaningTest {

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out));
        return out.toByteArray();
    }

    @Test
    void rawPixelsDecodeExactly() throws Exception {
        byte[] data = {0, (byte) 255, 10, (byte) 128};
        Pixels p = ImageDecoder.decode("raw", data, 2, 2, 1);
        assertArrayEquals(new float[] {0, 255, 10, 128}, p.data());
    }

    @Test
    void brokenImagesCarryTheirReason() {
        assertEquals(ImageDecoder.TRUNCATED, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("raw", new byte[3], 2, 2, 1)).reason());
        assertEquals(ImageDecoder.UNDECODABLE, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("png", "not a png".getBytes(), 0, 0, 0)).reason());
        assertEquals(ImageDecoder.EMPTY, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("png", new byte[0], 0, 0, 0)).reason());
        assertEquals(ImageDecoder.UNKNOWN_FORMAT, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("tiff-ish", new byte[4], 2, 2, 1)).reason());
        assertEquals(ImageDecoder.BAD_SHAPE, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("raw", new byte[4], 0, 4, 1)).reason());
        // a PNG cut in half is still an undecodable image, not a crash
        byte[] half;
        try {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            byte[] png = encode(img, "png");
            half = java.util.Arrays.copyOf(png, png.length / 2);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(ImageDecoder.UNDECODABLE,
                assertThrows(ImageDecodeException.class, () -> ImageDecoder.decode("png", half, 0, 0, 0)).reason());
    }

    @Test
    void pngAndJpegColourImagesBecomeGrayAndResized() throws Exception {
        BufferedImage rgb = new BufferedImage(56, 40, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 40; y++) {
            for (int x = 0; x < 56; x++) {
                rgb.setRGB(x, y, 0xFFFFFF); // white
            }
        }
        CleanImagesStage.Settings s = new CleanImagesStage.Settings(28, 28, 1, "unit");
        for (String format : new String[] {"png", "jpeg"}) {
            float[] chw = CleanImagesStage.clean(format, encode(rgb, format), 0, 0, 0, s);
            assertEquals(28 * 28, chw.length);
            for (float v : chw) {
                assertEquals(1f, v, 0.02f, format);
            }
        }
    }

    @Test
    void bilinearResizeKeepsConstantsAndInterpolates() {
        Pixels flat = new Pixels(4, 4, 1, filled(16, 7f));
        for (float v : ImageOps.resize(flat, 9, 3).data()) {
            assertEquals(7f, v, 1e-5);
        }
        Pixels ramp = new Pixels(1, 2, 1, new float[] {0, 100});
        float[] up = ImageOps.resize(ramp, 1, 4).data();
        assertArrayEquals(new float[] {0, 25, 75, 100}, up, 1e-4f);
        assertSame(flat, ImageOps.resize(flat, 4, 4));
    }

    @Test
    void channelConversionAndChwLayout() {
        Pixels rgb = new Pixels(1, 2, 3, new float[] {255, 0, 0, 0, 0, 255});
        Pixels gray = ImageOps.convertChannels(rgb, 1);
        assertArrayEquals(new float[] {0.299f * 255, 0.114f * 255}, gray.data(), 1e-3f);
        Pixels back = ImageOps.convertChannels(gray, 3);
        assertEquals(6, back.data().length);
        // HWC [r0 g0 b0 r1 g1 b1] -> CHW [r0 r1 g0 g1 b0 b1]
        assertArrayEquals(new float[] {255, 0, 0, 0, 0, 255}, ImageOps.toChw(rgb));
        Pixels hwc = new Pixels(1, 2, 3, new float[] {1, 2, 3, 4, 5, 6});
        assertArrayEquals(new float[] {1, 4, 2, 5, 3, 6}, ImageOps.toChw(hwc));
    }

    private static float[] filled(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /** A 40000 x 40000 PNG header on a few bytes: refused from the header, before any pixel memory is allocated. */
    @Test
    void aPixelBombIsRefusedFromItsHeader() throws Exception {
        byte[] png = dev.dlpipe.bench.AttackCorpus.pixelBomb();
        long t0 = System.nanoTime();
        ImageDecodeException e = assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("png", png, 0, 0, 0, 67_108_864));
        assertEquals(ImageDecoder.TOO_LARGE, e.reason());
        assertEquals("40000x40000 = 1600000000 pixels, over clean.image.max-pixels (67108864)", e.getMessage());
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "nothing decoded");
        assertEquals(ImageDecoder.TOO_LARGE, assertThrows(ImageDecodeException.class,
                () -> ImageDecoder.decode("raw", new byte[4], 10_000, 10_000, 1, 1_000_000)).reason());
    }
}
