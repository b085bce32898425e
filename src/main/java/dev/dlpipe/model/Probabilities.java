package dev.dlpipe.model;

/** What every consumer of a model's class probabilities shares: the predicted class. */
public final class Probabilities {

    private Probabilities() {
    }

    /** The most probable class; the first of equals, as ND4J's argMax and ONNX's ArgMax pick. */
    public static int argMax(float[] probabilities) {
        int best = 0;
        for (int c = 1; c < probabilities.length; c++) {
            if (probabilities[c] > probabilities[best]) {
                best = c;
            }
        }
        return best;
    }
}
