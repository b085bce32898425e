package dev.dlpipe.load;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Builds ND4J minibatches from decoded blocks: features [n, C*H*W] (flat CHW), labels one-hot [n, classes]. */
public final class Batches {

    private Batches() {
    }

    /** A batch from flat arrays already holding exactly {@code rows} examples at their start. */
    public static DataSet of(float[] features, int[] labels, int rows, int featureSize, int numClasses) {
        float[] f = rows * featureSize == features.length ? features : java.util.Arrays.copyOf(features, rows * featureSize);
        float[] oneHot = new float[rows * numClasses];
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " outside 0.." + (numClasses - 1));
            }
            oneHot[i * numClasses + labels[i]] = 1f;
        }
        return new DataSet(Nd4j.create(f, new long[] {rows, featureSize}, 'c'),
                Nd4j.create(oneHot, new long[] {rows, numClasses}, 'c'));
    }

    public static DataSet slice(TensorBlock block, int from, int rows, int numClasses) {
        if (from < 0 || rows <= 0 || from + rows > block.rows()) {
            throw new IllegalArgumentException("rows " + from + ".." + (from + rows) + " outside a block of "
                    + block.rows());
        }
        int fs = block.featureSize();
        INDArray features = Nd4j.create(java.util.Arrays.copyOfRange(block.features(), from * fs, (from + rows) * fs),
                new long[] {rows, fs}, 'c');
        float[] oneHot = new float[rows * numClasses];
        for (int i = 0; i < rows; i++) {
            int label = block.labels()[from + i];
            if (label < 0 || label >= numClasses) {
                throw new IllegalArgumentException("label " + label + " outside 0.." + (numClasses - 1));
            }
            oneHot[i * numClasses + label] = 1f;
        }
        INDArray labels = Nd4j.create(oneHot, new long[] {rows, numClasses}, 'c');
        return new DataSet(features, labels);
    }
}
