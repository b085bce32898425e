package dev.dlpipe.ensemble;

import java.util.List;

/**
 * One way to combine members: which members (indices into the member list), and how: weighted averaging of
 * probabilities ({@code weights}), hard voting, or a fitted {@link Stacking} head. {@link #apply} is the in-JVM
 * ensemble; {@link EnsembleOnnx} builds the same function as ONNX.
 */
record Combination(String name, String what, List<Integer> members, double[] weights, boolean hardVote,
                   Stacking stacking) {

    static Combination averaging(String name, String what, List<Integer> members, double[] weights) {
        return new Combination(name, what, members, weights, false, null);
    }

    static Combination hardVoting(String name, String what, List<Integer> members) {
        return new Combination(name, what, members, null, true, null);
    }

    static Combination stacked(String name, String what, List<Integer> members, Stacking stacking) {
        return new Combination(name, what, members, null, false, stacking);
    }

    /** The combined probabilities of the chosen members' probabilities (given for every member, in member order). */
    float[][] apply(List<float[][]> all, org.apache.spark.sql.SparkSession spark) {
        List<float[][]> mine = members.stream().map(all::get).toList();
        if (hardVote) {
            return ProbabilityScores.hardVote(mine);
        }
        if (stacking != null) {
            return stacking.predict(spark, mine);
        }
        return ProbabilityScores.weightedAverage(mine, weights);
    }
}
