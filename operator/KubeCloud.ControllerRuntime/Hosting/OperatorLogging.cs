using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace KubeCloud.ControllerRuntime.Hosting;

/// <summary>Console logging for operators: structured scopes and UTC timestamps, optionally one JSON object per line.</summary>
public static class OperatorLogging
{
    public static ILoggingBuilder AddOperatorConsole(this ILoggingBuilder logging, bool json)
    {
        ArgumentNullException.ThrowIfNull(logging);
        logging.ClearProviders();
        if (json)
        {
            logging.AddJsonConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.IncludeScopes = true;
                o.UseUtcTimestamp = true;
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
                o.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }

        return logging;
    }
}
