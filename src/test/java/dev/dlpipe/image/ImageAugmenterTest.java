package dev.dlpipe.image;

import static org.junit.jupiter.api.Assertions.*;

import dev.dlpipe.augment.RowCopies;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ImageAugmenterTest {

    private static final ImageAugmenter.Settings ALL = new ImageAugmenter.Settings(0.5, 0.5, 0.2, 0.2, 2, 10, 0.05, 6, ImageAugmenter.Probabilities.ALWAYS, 1f);
    private static final ImageAugmenter.Settings NONE = new ImageAugmenter.Settings(0, 0, 0, 0, 0, 0, 0, 0, ImageAugmenter.Probabilities.ALWAYS, 1f);

    private static float[] image(int c, int h, int w) {
        float[] img = new float[c * h * w];
        SplittableRandom r = new SplittableRandom(1);
        for (int i = 0; i < img.length; i++) {
            img[i] = (float) r.nextDouble();
        }
        return img;
    }

    @Test
    void sameKeySameCopyDifferentKeyDifferentCopy() {
        float[] img = image(3, 12, 10);
        long s1 = RowCopies.seed(42, "img-1", 0);
        float[] a = ImageAugmenter.augment(img, 3, 12, 10, ALL, new SplittableRandom(s1));
        float[] b = ImageAugmenter.augment(img, 3, 12, 10, ALL, new SplittableRandom(s1));
        assertArrayEquals(a, b);
        float[] c = ImageAugmenter.augment(img, 3, 12, 10, ALL, new SplittableRandom(RowCopies.seed(42, "img-1", 1)));
        float[] d = ImageAugmenter.augment(img, 3, 12, 10, ALL, new SplittableRandom(RowCopies.seed(43, "img-1", 0)));
        assertFalse(java.util.Arrays.equals(a, c));
        assertFalse(java.util.Arrays.equals(a, d));
        for (float v : a) {
            assertTrue(v >= 0f && v <= 1f, "values stay in range");
        }
    }

    @Test
    void disabledOpsLeaveTheImageUnchanged() {
        float[] img = image(1, 8, 8);
        assertArrayEquals(img, ImageAugmenter.augment(img, 1, 8, 8, NONE, new SplittableRandom(5)), 1e-6f);
    }

    @Test
    void zeroProbabilityDisablesAnOpWhateverItsRange() {
        float[] img = image(1, 8, 8);
        ImageAugmenter.Probabilities never = new ImageAugmenter.Probabilities(0, 0, 0, 0, 0, 0);
        ImageAugmenter.Settings rangesButNever = new ImageAugmenter.Settings(0, 0, 0.5, 0.5, 3, 30, 0.2, 4, never, 1f);
        assertArrayEquals(img, ImageAugmenter.augment(img, 1, 8, 8, rangesButNever, new SplittableRandom(9)), 1e-6f);
    }

    @Test
    void flipsAreInvolutionsAndMirror() {
        float[] img = image(2, 5, 7);
        assertArrayEquals(img, ImageAugmenter.flipHorizontal(ImageAugmenter.flipHorizontal(img, 2, 5, 7), 2, 5, 7));
        assertArrayEquals(img, ImageAugmenter.flipVertical(ImageAugmenter.flipVertical(img, 2, 5, 7), 2, 5, 7));
        float[] row = {1, 2, 3};
        assertArrayEquals(new float[] {3, 2, 1}, ImageAugmenter.flipHorizontal(row, 1, 1, 3));
        float[] col = {1, 2, 3};
        assertArrayEquals(new float[] {3, 2, 1}, ImageAugmenter.flipVertical(col, 1, 3, 1));
    }

    @Test
    void cutoutZeroesASquare() {
        float[] img = new float[10 * 10];
        java.util.Arrays.fill(img, 1f);
        ImageAugmenter.cutout(img, 1, 10, 10, 5, 5, 4);
        int zeros = 0;
        for (float v : img) {
            zeros += v == 0f ? 1 : 0;
        }
        assertEquals(16, zeros);
    }
}
