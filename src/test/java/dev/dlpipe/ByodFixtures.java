package dev.dlpipe;

import java.nio.file.Path;

/**
 * The bring-your-own-data fixtures: public datasets shipped in Debian packages (scikit-learn's tables, the common
 * licenses), written as HDF5, PNG folders, CSV and JSON Lines by src/test/resources/byod/make_byod_fixtures.py.
 */
public final class ByodFixtures {

    public static final Path DIR = Path.of(System.getProperty("dlpipe.project.dir", "."), "src/test/resources/byod");

    private ByodFixtures() {
    }
}
