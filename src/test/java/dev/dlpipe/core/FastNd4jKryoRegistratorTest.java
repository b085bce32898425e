package dev.dlpipe.core;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import scala.reflect.ClassTag$;

/** INDArrays survive Spark's Kryo serializer with our bulk serializer: values, dtype, shape and order. */
class FastNd4jKryoRegistratorTest {

    @Test
    void arraysOfEveryKindRoundTripExactly() {
        SerializerInstance kryo = new KryoSerializer(new SparkConf()
                .set("spark.kryo.registrator", FastNd4jKryoRegistrator.class.getName())).newInstance();
        INDArray matrix = Nd4j.rand(DataType.FLOAT, 300, 257);
        List<INDArray> arrays = new ArrayList<>(List.of(
                matrix,
                Nd4j.rand(DataType.DOUBLE, new long[] {3, 4, 5}).dup('f'),
                matrix.getRow(7), // a view: written as its own values
                matrix.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(3, 9)),
                Nd4j.scalar(2.5f),
                Nd4j.create(DataType.FLOAT, 0),
                Nd4j.createFromArray(new int[] {1, -2, 3}),
                Nd4j.rand(DataType.HALF, 5, 6)));
        for (INDArray a : arrays) {
            Object back = kryo.deserialize(kryo.serialize(a, ClassTag$.MODULE$.apply(INDArray.class)),
                    ClassTag$.MODULE$.apply(INDArray.class));
            INDArray b = (INDArray) back;
            assertEquals(a.dataType(), b.dataType());
            assertArrayEquals(a.shape(), b.shape());
            assertEquals(a, b, "values of " + a.shapeInfoToString());
        }
        // inside a collection, as DL4J's training results hold them
        List<?> back = kryo.deserialize(kryo.serialize(new ArrayList<>(arrays), ClassTag$.MODULE$.apply(List.class)),
                ClassTag$.MODULE$.apply(List.class));
        assertEquals(arrays.size(), back.size());
        assertEquals(matrix, back.get(0));
    }
}
