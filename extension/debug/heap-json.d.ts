import { type ReportFinding } from '../core';
import type { ChainEnd, HeapImage } from './heap-image';
export declare const HEAP_FORMAT_VERSION = 1;
export interface HeapJsonNode {
    base: string;
    user: string;
}
export interface HeapJson {
    format: 'slabscope-heap';
    version: number;
    layout: string;
    stoppedAt: {
        file: string | null;
        line: number | null;
        function: string | null;
    } | null;
    threads: {
        thread: number;
        caches: {
            cls: number;
            count: number;
            nodes: HeapJsonNode[];
            end: ChainEnd;
        }[];
    }[];
    slabs: {
        start: string;
        cls: number;
        owner: number;
        used: number;
        capacity: number;
        carved: number;
        freelist: HeapJsonNode[];
        freelistEnd: ChainEnd;
        remote: HeapJsonNode[];
        remoteEnd: ChainEnd;
    }[];
    findings: ReportFinding[];
    warnings: string[];
    reads: {
        requests: number;
        bytes: number;
        ms: number;
    };
}
export declare function heapJson(image: HeapImage): HeapJson;
