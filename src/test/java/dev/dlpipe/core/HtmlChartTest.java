package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlChartTest {

    @Test
    void aFlatSeriesGetsABandAroundItsValueNotAUnitRange() {
        double[] axis = HtmlChart.niceAxis(0.002, 0.002);
        assertTrue(axis[0] < 0.002 && axis[0] >= 0.0017, Arrays.toString(axis));
        assertTrue(axis[1] > 0.002 && axis[1] <= 0.0023, Arrays.toString(axis));
        String svg = HtmlChart.svg(new HtmlChart.Panel("Learning rate", "learning rate",
                List.of(new HtmlChart.Series("learning rate", List.of(0.002, 0.002, 0.002)))));
        assertTrue(svg.contains(">0.0020<"), "a tick at the value itself: " + svg);
        assertFalse(svg.contains("1.002"), svg);
    }

    @Test
    void axesHoldTheDataWithRoundTicks() {
        double[] axis = HtmlChart.niceAxis(0.1299, 0.5383);
        assertTrue(axis[0] <= 0.1299 && axis[1] >= 0.5383, Arrays.toString(axis));
        double ticks = (axis[1] - axis[0]) / axis[2];
        assertTrue(ticks >= 3 && ticks <= 8, Arrays.toString(axis));
        assertEquals(0, Math.abs(axis[2] / 0.1 - Math.round(axis[2] / 0.1)), 1e-9, "step 0.1: " + axis[2]);
    }

    @Test
    void everySeriesIsInTheLegendAndMissingPointsAreSkipped() {
        String svg = HtmlChart.svg(new HtmlChart.Panel("Loss", "loss", List.of(
                new HtmlChart.Series("train", Arrays.asList(0.5, 0.3, 0.2)),
                new HtmlChart.Series("validation", Arrays.asList(null, 0.4, 0.25)))));
        assertTrue(svg.contains(">train</text>") && svg.contains(">validation</text>"), svg);
        assertEquals(5, svg.split("<circle").length - 1, "3 + 2 points: " + svg);
        assertTrue(svg.contains(">epoch</text>") && svg.contains(">loss</text>"), "axis labels");
    }
}
