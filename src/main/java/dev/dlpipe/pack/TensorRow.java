package dev.dlpipe.pack;

import java.io.Serializable;

/**
 * A cleaned example as a Java bean, so Spark decodes {@code array<float>} straight into a {@code float[]}
 * (one copy, no boxing) instead of a row of boxed values.
 */
public class TensorRow implements Serializable {
    private String id;
    private int label;
    private String split;
    private float[] features;

    public String getId() {
        return id;
    }

    public void setId(String id) {
        this.id = id;
    }

    public int getLabel() {
        return label;
    }

    public void setLabel(int label) {
        this.label = label;
    }

    public String getSplit() {
        return split;
    }

    public void setSplit(String split) {
        this.split = split;
    }

    public float[] getFeatures() {
        return features;
    }

    public void setFeatures(float[] features) {
        this.features = features;
    }
}
