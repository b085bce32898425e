package dev.dlpipe.load;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Builds ND4J minibatches from decoded blocks: features [n, C*H*W] (flat CHW), labels one-hot [n, classes]. */
public final class Batches {

    private Batches() {
    }

    /** One-hot labels [rows, numClasses] for the first {@code rows} entries of {@code labels}. */
    public static INDArray oneHot(int[] labels, int rows, int numClasses) {
        float[] oneHot = new float[rows * numClasses];
        for (int i = 0; i < rows; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("label " + labels[i] + " outside 0.." + (numClasses - 1));
            }
            oneHot[i * numClasses + labels[i]] = 1f;
        }
        return Nd4j.create(oneHot, new long[] {rows, numClasses}, 'c');
    }

    /** Features [rows, featureSize] of rows {@code from..from+rows} of the block, labels left out (scoring). */
    public static INDArray features(TensorBlock block, int from, int rows) {
        if (from < 0 || rows <= 0 || from + rows > block.rows()) {
            throw new IllegalArgumentException("rows " + from + ".." + (from + rows) + " outside a block of "
                    + block.rows());
        }
        INDArray features = Nd4j.createUninitialized(DataType.FLOAT, rows, block.featureSize());
        block.copyRows(from, rows, features.data().asNio(), 0);
        return features;
    }

    public static DataSet slice(TensorBlock block, int from, int rows, int numClasses) {
        if (from < 0 || rows <= 0 || from + rows > block.rows()) {
            throw new IllegalArgumentException("rows " + from + ".." + (from + rows) + " outside a block of "
                    + block.rows());
        }
        INDArray features = features(block, from, rows);
        int[] labels = new int[rows];
        for (int i = 0; i < rows; i++) {
            labels[i] = block.label(from + i);
        }
        return new DataSet(features, oneHot(labels, rows, numClasses));
    }
}
