using System;

namespace PfaAzureDevOps.Core.Tests
{
    /// <summary>
    /// The test lanes. A test class (or test) that starts a server or any child process (ssh-keygen, git, sshd, the
    /// local Azure DevOps, mkfifo) carries <c>[Trait(Lane.Name, Lane.Integration)]</c>; everything else is the unit lane,
    /// which <c>./build.ps1 Test -Fast</c> runs alone (<c>--filter Lane!=Integration</c>, with
    /// <see cref="Variable"/> set to <c>Unit</c>). The shared launchers call <see cref="RequireIntegration"/>, so a test
    /// that needs a process but is not marked fails in the unit lane instead of slowing it down unnoticed.
    /// </summary>
    public static class Lane
    {
        public const string Name = "Lane";

        public const string Integration = "Integration";

        /// <summary>Set to <c>Unit</c> by the fast lane.</summary>
        public const string Variable = "PFA_TEST_LANE";

        public static void RequireIntegration(string what)
        {
            if (string.Equals(Environment.GetEnvironmentVariable(Variable), "Unit", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"This test starts {what}, which the unit lane does not allow: mark its class [Trait(Lane.Name, Lane.Integration)].");
            }
        }
    }
}
