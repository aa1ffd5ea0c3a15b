using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text;

namespace PfaAzureDevOps.Core.Tests.Ssh
{
    internal sealed class ProcessResult
    {
        public ProcessResult(int exitCode, string stdout, string stderr)
        {
            ExitCode = exitCode;
            StdOut = stdout;
            StdErr = stderr;
        }

        public int ExitCode { get; }

        public string StdOut { get; }

        public string StdErr { get; }

        public override string ToString() => "exit " + ExitCode + "; stdout: " + StdOut + "; stderr: " + StdErr;
    }

    internal sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "pfa-ssh-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        public string Path { get; }

        public string File0600(string name, string content)
        {
            string file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, content, new UTF8Encoding(false));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            return file;
        }

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    internal static class SshKeygen
    {
        public const string Path = "/usr/bin/ssh-keygen";

        public static ProcessResult Run(params string[] args)
        {
            Lane.RequireIntegration("ssh-keygen");
            var start = new ProcessStartInfo(Path)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                RedirectStandardInput = true,
                UseShellExecute = false,
            };
            foreach (string a in args)
            {
                start.ArgumentList.Add(a);
            }

            using Process process = Process.Start(start)!;
            process.StandardInput.Close();
            var stderrTask = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return new ProcessResult(process.ExitCode, stdout, stderrTask.Result);
        }

        public static ProcessResult RunOk(params string[] args)
        {
            ProcessResult r = Run(args);
            if (r.ExitCode != 0)
            {
                throw new InvalidOperationException("ssh-keygen " + string.Join(" ", args) + " failed: " + r);
            }

            return r;
        }

        /// <summary>The first whitespace-separated fields of the first output line.</summary>
        public static string[] Fields(string output, int count)
        {
            string line = output.Split('\n')[0].Trim();
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var result = new List<string>();
            for (int i = 0; i < count && i < parts.Length; i++)
            {
                result.Add(parts[i]);
            }

            return result.ToArray();
        }
    }
}
