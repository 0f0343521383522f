# Sourced after lib.sh by the NMI tests (svm-nmi.sh, vmx-nmi.sh).

# expect_nmi_guest LOG NAME: the test guest NAME in testguest.mode=nmi with
# testguest.nmi-peer got at least one NMI per burst, to itself and to its
# second vCPU while that one wrote console lines, and powered off.
expect_nmi_guest() {
	local log=$1 name=$2 check
	for check in nmi-self nmi-self-shorthand nmi-peer-start nmi-peer-flood nmi-still-running; do
		expect "$log" "^\[$name\] PASS $check\$" "NMI check $check passed"
	done
	for check in "self by APIC id" "peer by APIC id" "peer by all-but-self"; do
		expect "$log" "^\[$name\] hostile-nmi: $check: [1-9][0-9]* NMI\(s\) for 500 sent\$" "NMIs $check arrived"
	done
	expect "$log" "^\[$name\] hostile-nmi: peer vCPU console flood line\$" "the second vCPU's lines came out whole"
	expect_not "$log" "^\[$name\] hostile-nmi: peer vCPU console flood line.+" "its lines were not mixed with others"
	expect_not "$log" "^\[$name\] FAIL" "no NMI check failed"
	expect "$log" "^\[$name\] argon-testguest: 5 passed, 0 failed\$" "NMI guest summary"
	expect "$log" "^argon: guest '$name' stopped: powered off\$" "the NMI guest powered itself off"
}
