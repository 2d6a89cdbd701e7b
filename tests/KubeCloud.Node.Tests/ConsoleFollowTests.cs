using KubeCloud.Node.Compute;

namespace KubeCloud.Node.Tests;

/// <summary>A followed serial log: the tail first, then each piece the guest appends, as <c>kubectl logs -f</c>.</summary>
public sealed class ConsoleFollowTests : IDisposable
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);
    private readonly string _path = Path.Combine(Path.GetTempPath(), "kc-follow-" + Guid.NewGuid().ToString("N")[..8] + ".log");
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(1));

    public void Dispose()
    {
        File.Delete(_path);
        _timeout.Dispose();
    }

    [Theory]
    [InlineData("complete lines", "a\nb\nc\n", 2, "b\nc\n")]
    [InlineData("a last line still being written stays open", "a\nb\npart", 2, "b\npart")]
    [InlineData("empty log", "", 3, "")]
    public void The_tail_ends_where_following_starts(string name, string log, int lines, string expected)
    {
        File.WriteAllText(_path, log);
        var tail = ConsoleTail.ReadForFollow(_path, lines);
        Assert.True(tail?.Text == expected, $"{name}: got '{tail?.Text}'");
        Assert.Equal(new FileInfo(_path).Length, tail!.Value.End);
    }

    [Fact]
    public async Task Following_ends_once_the_server_is_gone_and_everything_written_has_been_read()
    {
        File.WriteAllText(_path, "boot\n");
        var here = true;
        await using var pieces = ConsoleFollow.FollowAsync(_path, 0, Poll, keepFollowing: () => here, cancellationToken: _timeout.Token).GetAsyncEnumerator(_timeout.Token);
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal("boot\n", pieces.Current);

        File.AppendAllText(_path, "reboot: Power down\n"); // the guest's last words, written as the server goes
        here = false;
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal("reboot: Power down\n", pieces.Current);
        Assert.False(await pieces.MoveNextAsync()); // then the end, not a wait for the caller to give up
    }

    [Fact]
    public async Task What_is_appended_arrives_piece_by_piece_and_a_recreated_log_is_read_from_its_start()
    {
        File.WriteAllText(_path, "boot\n");
        var tail = ConsoleTail.ReadForFollow(_path, 10)!.Value;
        await using var pieces = ConsoleFollow.FollowAsync(_path, tail.End, Poll, cancellationToken: _timeout.Token).GetAsyncEnumerator(_timeout.Token);

        File.AppendAllText(_path, "tick 1\r\n");
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal("tick 1\n", pieces.Current);

        // A character split across two writes arrives whole.
        var euro = "€"u8.ToArray();
        await AppendAsync(euro[..1]);
        await AppendAsync([.. euro[1..], (byte)'\n']);
        var text = string.Empty;
        while (!text.EndsWith('\n'))
        {
            Assert.True(await pieces.MoveNextAsync());
            text += pieces.Current;
        }

        Assert.Equal("€\n", text);

        // The server re-created: a shorter log is read again from its start.
        File.WriteAllText(_path, "new\n");
        Assert.True(await pieces.MoveNextAsync());
        Assert.Equal("new\n", pieces.Current);
    }

    [Fact]
    public async Task Following_ends_when_the_reader_goes_away()
    {
        File.WriteAllText(_path, string.Empty);
        using var reader = CancellationTokenSource.CreateLinkedTokenSource(_timeout.Token);
        var follow = Task.Run(async () =>
        {
            await foreach (var _ in ConsoleFollow.FollowAsync(_path, 0, Poll, cancellationToken: reader.Token))
            {
            }
        });
        await reader.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => follow);
    }

    private async Task AppendAsync(byte[] bytes)
    {
        await using var stream = new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        await stream.WriteAsync(bytes);
    }
}
