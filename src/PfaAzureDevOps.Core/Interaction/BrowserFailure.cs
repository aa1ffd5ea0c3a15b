namespace PfaAzureDevOps.Core.Interaction
{
    /// <summary>A browser command that ended at once with a non-zero exit code, or could not be started at all.</summary>
    public sealed class BrowserFailure
    {
        public BrowserFailure(string command, int? exitCode, string? lastErrorLine)
        {
            Command = command;
            ExitCode = exitCode;
            LastErrorLine = lastErrorLine;
        }

        /// <summary>The program (the first word of $BROWSER, or the platform opener); never the URL.</summary>
        public string Command { get; }

        /// <summary>Its exit code; null when it could not be started.</summary>
        public int? ExitCode { get; }

        /// <summary>Its last standard-error line, cleaned and bounded (see <see cref="OpenedBrowser.Clean"/>); null when it wrote none.</summary>
        public string? LastErrorLine { get; }

        /// <summary>"'cmd' ended at once with exit code 127: sh: 1: nosuch: not found", or "'cmd' could not be started".</summary>
        public string Describe()
        {
            if (ExitCode is null)
            {
                return $"The browser command '{Command}' could not be started";
            }

            string said = LastErrorLine is null ? " (it wrote no error)" : $": {LastErrorLine}";
            return $"The browser command '{Command}' ended at once with exit code {ExitCode}{said}";
        }
    }
}
