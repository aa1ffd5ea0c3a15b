namespace PfaAzureDevOps.Core.Platform
{
    /// <summary>How a child process run by <see cref="ChildProcess.RunAsync"/> ended.</summary>
    internal sealed class ChildProcessResult
    {
        public ChildProcessResult(int exitCode, string standardOutput)
        {
            ExitCode = exitCode;
            StandardOutput = standardOutput;
        }

        public int ExitCode { get; }

        /// <summary>Everything the process wrote to standard output (UTF-8).</summary>
        public string StandardOutput { get; }
    }
}
