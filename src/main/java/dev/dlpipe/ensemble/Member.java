package dev.dlpipe.ensemble;

import dev.dlpipe.model.Network;

/**
 * One ensemble member: its name (net-1, lr, rf, gbt), what it is, the fitted model (a {@link Network} or a Spark
 * MLlib model) and its probabilities on the validation split (null without one) and on the test split, row-aligned
 * with {@link SplitRows}.
 */
record Member(String name, String what, Object model, float[][] validation, float[][] test) {

    boolean isNetwork() {
        return model instanceof Network;
    }
}
