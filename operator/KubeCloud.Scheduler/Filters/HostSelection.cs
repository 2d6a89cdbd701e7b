namespace KubeCloud.Scheduler.Filters;

/// <summary>The loops the filters' batch forms share: each keeps, in order, the hosts whose column value passes one test.</summary>
internal static class HostSelection
{
    /// <summary>Every host passes.</summary>
    public static int All(ReadOnlySpan<int> input, Span<int> output)
    {
        input.CopyTo(output);
        return input.Length;
    }

    /// <summary>Hosts whose <paramref name="room"/> is at least <paramref name="need"/>.</summary>
    public static int AtLeast(ReadOnlySpan<long> room, long need, ReadOnlySpan<int> input, Span<int> output)
    {
        var n = 0;
        foreach (var i in input)
        {
            if (need <= room[i])
            {
                output[n++] = i;
            }
        }

        return n;
    }

    /// <summary>Hosts whose <paramref name="column"/> value equals <paramref name="value"/>.</summary>
    public static int Equal(ReadOnlySpan<byte> column, byte value, ReadOnlySpan<int> input, Span<int> output)
    {
        var n = 0;
        foreach (var i in input)
        {
            if (column[i] == value)
            {
                output[n++] = i;
            }
        }

        return n;
    }

    /// <summary>
    /// In place: the first <paramref name="count"/> hosts of <paramref name="survivors"/> whose value
    /// number (-1 for none) has a true verdict.
    /// </summary>
    public static int ByValue(ReadOnlySpan<int> ids, ReadOnlySpan<bool> verdicts, Span<int> survivors, int count)
    {
        var n = 0;
        for (var k = 0; k < count; k++)
        {
            var i = survivors[k];
            var id = ids[i];
            if (id >= 0 && verdicts[id])
            {
                survivors[n++] = i;
            }
        }

        return n;
    }
}
